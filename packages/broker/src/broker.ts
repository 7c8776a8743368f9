// The broker: wires the store, the managers, the messaging core and the remoting server,
// keeps its background loops running, and starts and stops them in order.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContrailError, createLogger, type Logger } from '@contrail/common';
import { RemotingClient, RemotingServer } from '@contrail/remoting';
import { DefaultMessageStore, trimNativeHeap, type MessageStore, type MessageStoreConfig } from '@contrail/store';
import { ConsumerManager } from './client/consumer-manager.js';
import { ProducerManager } from './client/producer-manager.js';
import type { BrokerConfig } from './config/broker-config.js';
import { parseDelayLevels } from './config/delay-levels.js';
import { resolveBrokerConfig } from './config/load-broker-config.js';
import { PullRequestHoldService } from './longpolling/pull-request-hold-service.js';
import type { BrokerServices } from './messaging/broker-services.js';
import { MessagingCore } from './messaging/messaging-core.js';
import { BrokerOuterApi, type BrokerIdentity } from './namesrv/broker-outer-api.js';
import { RegisterService } from './namesrv/register-service.js';
import { ConsumerOffsetManager } from './offset/consumer-offset-manager.js';
import { JsonConfigFile } from './persist/json-config-file.js';
import type { AdminContext } from './processor/admin-broker-processor.js';
import { RemotingClientChannel } from './processor/remoting-client-channel.js';
import { registerProcessors } from './processor/register-processors.js';
import { ScheduleMessageService } from './schedule/schedule-message-service.js';
import { SubscriptionGroupManager } from './subscription/subscription-group-manager.js';
import { TimerMessageService } from './timer/timer-message-service.js';
import { TIMER_TOPIC } from './timer/timer-target.js';
import { TopicConfigManager } from './topic/topic-config-manager.js';
import { finalTarget } from './transaction/final-target.js';
import { TransactionalMessageService } from './transaction/transactional-message-service.js';
import { PopService } from './messaging/pop/pop-service.js';
import type { DoorDeps } from './grpc/door-deps.js';
import { ClusterRoutes } from './grpc/cluster-routes.js';
import { BrokerStats } from './metrics/broker-stats.js';
import { PromExporter } from './metrics/prom-exporter.js';
import { exposedGc, IdleMemoryReturn } from './memory/idle-memory-return.js';
import { GrpcClients } from './grpc/grpc-clients.js';
import { GrpcDoor } from './grpc/grpc-door.js';
import { TransactionIds } from './grpc/transaction-ids.js';

/** Builds the store once the advertised address (with the bound port) is known. */
export type MessageStoreFactory = (config: MessageStoreConfig) => MessageStore;

export interface BrokerOptions extends Partial<BrokerConfig> {
  /** A store to use instead of a DefaultMessageStore under storePathRootDir. */
  messageStore?: MessageStore | MessageStoreFactory;
  logger?: Logger;
}

const CLIENT_SCAN_INTERVAL_MS = 10_000;
/** How often the idle memory return samples the event loop. */
const IDLE_SAMPLE_MS = 1000;
/** Largest body the gRPC door takes: Node clients cannot receive a 4 MiB body plus its envelope. */
const GRPC_MAX_BODY_SIZE = 4 * 1024 * 1024 - 64 * 1024;
/** Budget of the gRPC door's route queries to a NameServer or another broker. */
const ROUTE_QUERY_TIMEOUT_MS = 1000;

interface Running {
  store: MessageStore;
  core: MessagingCore;
  admin: AdminContext;
  schedule: ScheduleMessageService;
  transactions: TransactionalMessageService;
  timer: TimerMessageService | undefined;
  pop: PopService;
  door: DoorDeps;
  register: RegisterService;
  timers: NodeJS.Timeout[];
  unsubscribe: () => void;
}

export class Broker {
  readonly config: BrokerConfig;
  readonly #options: BrokerOptions;
  readonly #log: Logger;
  readonly #server: RemotingServer;
  readonly #client = new RemotingClient();
  #running: Running | undefined;
  /** The gRPC door's port setting after the listenPort-0 rule (-1: no door). */
  readonly #grpcListenPort: number;
  #grpc: GrpcDoor | undefined;
  #metrics: PromExporter | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: BrokerOptions = {}) {
    const { messageStore: _store, logger, ...config } = options;
    this.#log = logger ?? createLogger('broker');
    this.config = resolveBrokerConfig(config, this.#log);
    this.#options = options;
    // A broker asked for an ephemeral remoting port (tests, embedded use) gets an ephemeral gRPC port too.
    this.#grpcListenPort = options.grpcListenPort === undefined && this.config.listenPort === 0 ? 0 : this.config.grpcListenPort;
    this.#server = new RemotingServer({ host: this.config.bindAddress, port: this.config.listenPort, logger: this.#log });
    registerProcessors(this.#server, { core: () => this.#live().core, admin: () => this.#live().admin });
    this.#server.onDisconnect((connection) => {
      this.#running?.core.channelClosed(RemotingClientChannel.of(connection).id);
    });
  }

  /** The bound port (listenPort, or the one picked when listenPort is 0); 0 before start(). */
  get port(): number {
    return this.#server.port;
  }

  /** "brokerIP1:port": what NameServers hand to clients and what every record's store host says. */
  get address(): string {
    return `${this.config.brokerIP1}:${this.port}`;
  }

  /** The bound gRPC port; -1 when the gRPC door is off, 0 before start(). */
  get grpcPort(): number {
    if (this.#grpcListenPort < 0) return -1;
    return this.#grpc?.port ?? 0;
  }

  /** The bound Prometheus metrics port; -1 when metricsExporterType is not PROM, 0 before start(). */
  get metricsPort(): number {
    if (this.config.metricsExporterType !== 'PROM') return -1;
    return this.#metrics?.port ?? 0;
  }

  /** broker.conf keys and values (GET_BROKER_CONFIG), with the ports actually bound. */
  #configProperties(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.config)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      else if (Array.isArray(v)) out[k] = v.join(';');
    }
    out.listenPort = String(this.port);
    out.grpcListenPort = String(this.grpcPort);
    if (this.config.metricsExporterType === 'PROM') out.metricsPromExporterPort = String(this.metricsPort);
    return out;
  }

  get messagingCore(): MessagingCore {
    return this.#live().core;
  }

  get store(): MessageStore {
    return this.#live().store;
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new ContrailError('CLIENT_STATE', `broker cannot start: it is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#start();
      this.#state = 'running';
    } catch (err) {
      this.#state = 'stopped';
      await this.#server.shutdown().catch(() => undefined);
      await this.#grpc?.shutdown().catch(() => undefined);
      await this.#metrics?.shutdown().catch(() => undefined);
      throw err;
    }
  }

  async #start(): Promise<void> {
    const c = this.config;
    const configDir = join(c.storePathRootDir, 'config');
    await mkdir(configDir, { recursive: true });
    const topics = new TopicConfigManager(c, new JsonConfigFile(join(configDir, 'topics.json')));
    const groups = new SubscriptionGroupManager(new JsonConfigFile(join(configDir, 'subscriptionGroup.json')), c.autoCreateSubscriptionGroup);
    const offsets = new ConsumerOffsetManager(new JsonConfigFile(join(configDir, 'consumerOffset.json')));
    await Promise.all([topics.load(), groups.load(), offsets.load()]);
    await topics.persist();

    await this.#server.start();
    if (this.#grpcListenPort >= 0) {
      // Bound before the store starts so a taken port fails start-up early; calls wait for #running.
      this.#grpc = new GrpcDoor({ host: c.bindAddress, port: this.#grpcListenPort, logger: this.#log }, () => this.#live().door);
      await this.#grpc.start();
    }
    if (c.metricsExporterType === 'PROM') {
      // As the gRPC door: an ephemeral remoting port given in code means an ephemeral metrics port.
      const port = this.#options.metricsPromExporterPort === undefined && c.listenPort === 0 ? 0 : c.metricsPromExporterPort;
      const host = c.metricsPromExporterHost.length > 0 ? c.metricsPromExporterHost : c.bindAddress;
      this.#metrics = new PromExporter({ host, port, extraLabels: c.metricsLabel, logger: this.#log }, () => this.#live().core.services, {
        cluster: c.brokerClusterName,
        brokerName: c.brokerName,
      });
      await this.#metrics.start();
    }
    const storeHost = this.address;
    const store = this.#createStore(storeHost);
    await store.start();
    const delayLevels = parseDelayLevels(c.messageDelayLevel);
    const pullHold = new PullRequestHoldService((t, q) => store.getMaxOffsetInQueue(t, q));
    const producers = new ProducerManager();
    const transactions = new TransactionalMessageService(c, {
      store,
      producers,
      topics,
      file: new JsonConfigFile(join(configDir, 'transactionOffset.json')),
      storeHost,
      finalTarget: (t, sysFlag) => finalTarget(t, sysFlag, c, delayLevels),
      logger: this.#log,
    });
    await transactions.load();
    let timer: TimerMessageService | undefined;
    if (c.timerWheelEnable) {
      timer = new TimerMessageService(c, store, new JsonConfigFile(join(configDir, 'timerCheckpoint.json')), this.#log);
      await timer.load();
    }
    const services: BrokerServices = {
      config: c,
      store,
      topics,
      groups,
      offsets,
      consumers: new ConsumerManager(),
      producers,
      pullHold,
      delayLevels,
      storeHost,
      log: this.#log,
      transactions,
      stats: new BrokerStats(),
      ...(timer === undefined ? {} : { recalls: timer }),
    };
    const unsubscribe = store.onArrive((topic, queueId, _offset, tagsCode) => {
      if (topic === TIMER_TOPIC) timer?.kickEnqueue();
      pullHold.notifyMessageArriving(topic, queueId, tagsCode);
    });
    const schedule = new ScheduleMessageService(store, delayLevels, new JsonConfigFile(join(configDir, 'delayOffset.json')));
    await schedule.load();
    const outer = new BrokerOuterApi(this.#client);
    const register = new RegisterService(outer, {
      namesrvAddrs: c.namesrvAddr,
      identity: () => this.#identity(),
      wrapper: () => topics.serializeWrapper(),
      periodMs: c.registerNameServerPeriod,
      timeoutMs: c.registerBrokerTimeoutMills,
    });
    topics.onChange = () => register.requestRegister();
    const core = new MessagingCore(services);
    const pop = new PopService(services, new JsonConfigFile(join(configDir, 'popState.json')));
    await pop.load();
    const transactionIds = new TransactionIds();
    const door: DoorDeps = {
      core,
      pop,
      clients: new GrpcClients(transactionIds),
      transactions: transactionIds,
      brokerName: c.brokerName,
      routes: new ClusterRoutes({ brokerName: c.brokerName, namesrvAddrs: c.namesrvAddr, outer, timeoutMs: ROUTE_QUERY_TIMEOUT_MS, log: this.#log }),
      endpoints: () => ({ scheme: 'IPv4', addresses: [{ host: c.brokerIP1, port: this.grpcPort }] }),
      maxBodySize: Math.min(c.maxMessageSize, GRPC_MAX_BODY_SIZE),
      pushLongPollingMs: c.grpcLongPollingTimeoutMs,
      log: this.#log,
    };
    const bootTimestamp = Date.now();
    this.#running = {
      store,
      core,
      admin: { services, bootTimestamp, delayOffsetTable: () => schedule.offsetTable(), configProperties: () => this.#configProperties() },
      schedule,
      transactions,
      timer,
      pop,
      door,
      register,
      timers: [],
      unsubscribe,
    };
    pullHold.start();
    schedule.start();
    transactions.start();
    pop.start();
    timer?.start();
    this.#every(c.flushConsumerOffsetInterval, 'flush offsets', async () => {
      await offsets.flush();
      await schedule.flush();
      await transactions.flush();
    });
    if (c.returnMemoryWhenIdle) {
      const activity = (): number => {
        const s = store.stats();
        return s.putMessageTimes + s.getMessageTransferredMsgCount;
      };
      const idle = new IdleMemoryReturn({ trim: trimNativeHeap, gc: exposedGc(), activity, logger: this.#log });
      this.#every(IDLE_SAMPLE_MS, 'return memory', () => idle.sample());
    }
    // A short channelExpiredTimeout (tests, fast failover) is only useful if the scan keeps up with it.
    const scanMs = Math.min(CLIENT_SCAN_INTERVAL_MS, Math.max(250, Math.floor(c.channelExpiredTimeout / 4)));
    this.#every(scanMs, 'scan expired clients', () => core.scanExpiredClients());
    try {
      await register.start();
    } catch (err) {
      // NameServers may come up later; the periodic registration keeps trying.
      this.#log.warn({ err }, 'first registration with the NameServers failed');
    }
    this.#log.info({ address: storeHost, brokerName: c.brokerName, cluster: c.brokerClusterName }, 'broker started');
  }

  /** Unregisters from the NameServers, answers held pulls, stops serving, flushes offsets, stops the store. */
  async shutdown(): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    const r = this.#running;
    if (r === undefined) return;
    const step = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.#log.error({ err }, `shutdown: ${what} failed`);
      }
    };
    for (const t of r.timers) clearInterval(t);
    await step('stop metrics', () => this.#metrics?.shutdown());
    await step('unregister', () => r.register.shutdown());
    await step('stop gRPC door', async () => {
      const stopping = this.#grpc?.shutdown();
      await r.pop.shutdown(); // answers held receives so the door can close
      await stopping;
    });
    await step('release held pulls', () => r.core.services.pullHold.shutdown());
    await step('stop server', () => this.#server.shutdown());
    await step('stop schedule', () => r.schedule.shutdown());
    await step('stop transaction checks', () => r.transactions.shutdown());
    await step('stop timer', () => r.timer?.shutdown());
    await step('flush offsets', () => r.core.services.offsets.flush(true));
    await step('persist POP state', () => r.pop.flush());
    await step('persist topics', () => r.core.services.topics.persist());
    await step('persist groups', () => r.core.services.groups.persist());
    r.unsubscribe();
    await step('stop store', () => r.store.shutdown());
    await step('stop client', () => this.#client.shutdown());
    this.#running = undefined;
    this.#state = 'stopped';
    this.#log.info('broker stopped');
  }

  #createStore(storeHost: string): MessageStore {
    const c = this.config;
    const storeConfig: MessageStoreConfig = {
      storePathRootDir: c.storePathRootDir,
      mappedFileSizeCommitLog: c.mappedFileSizeCommitLog,
      hotTailBytes: c.hotTailBytes,
      dropPageCacheBehind: c.dropPageCacheBehind,
      pageCacheKeepBytes: c.pageCacheKeepBytes,
      recoveryCheckBytes: c.recoveryCheckBytes,
      zeroAheadBytes: c.zeroAheadBytes,
      mappedWrites: c.mappedWrites,
      maxTransferBytesOnMessageInMemory: c.maxTransferBytesOnMessageInMemory,
      maxTransferCountOnMessageInMemory: c.maxTransferCountOnMessageInMemory,
      maxTransferBytesOnMessageInDisk: c.maxTransferBytesOnMessageInDisk,
      maxTransferCountOnMessageInDisk: c.maxTransferCountOnMessageInDisk,
      accessMessageInMemoryMaxRatio: c.accessMessageInMemoryMaxRatio,
      enabledAppendPropCRC: c.enabledAppendPropCRC,
      flushDiskType: c.flushDiskType,
      syncFlushTimeout: c.syncFlushTimeout,
      flushIntervalCommitLog: c.flushIntervalCommitLog,
      flushIntervalConsumeQueue: c.flushIntervalConsumeQueue,
      fileReservedTime: c.fileReservedTime,
      deleteWhen: c.deleteWhen,
      maxMessageSize: c.maxMessageSize,
      messageDelayLevel: c.messageDelayLevel,
      storeHost,
    };
    const given = this.#options.messageStore;
    if (given === undefined) return new DefaultMessageStore(storeConfig);
    return typeof given === 'function' ? given(storeConfig) : given;
  }

  #identity(): BrokerIdentity {
    const c = this.config;
    return {
      clusterName: c.brokerClusterName,
      brokerName: c.brokerName,
      brokerId: c.brokerId,
      brokerAddr: this.address,
      haServerAddr: `${c.brokerIP1}:${this.port + 1}`,
    };
  }

  #every(ms: number, what: string, fn: () => Promise<void> | void): void {
    const r = this.#running;
    if (r === undefined) return;
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.#log.error({ err }, `${what} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    t.unref();
    r.timers.push(t);
  }

  #live(): Running {
    const r = this.#running;
    if (r === undefined || this.#state !== 'running') {
      throw new ContrailError('SERVICE_NOT_AVAILABLE', `broker[${this.config.brokerName}] is not running`);
    }
    return r;
  }
}
