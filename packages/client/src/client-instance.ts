// What every producer and consumer runs underneath: the remoting connections, the route table
// (refreshed from the NameServers every 30 s), heartbeats to the brokers (every 30 s) and the
// handler for requests brokers send to clients. One per client object, with its own clientId.
import { ContrailError, createLogger, type Logger } from '@contrail/common';
import {
  RemotingClient,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  isOneway,
  type RemotingCommand,
  type RemotingConnection,
  type Transport,
} from '@contrail/remoting';
import { createClientId, localIp } from './client-id.js';
import type { ClientEvent, ClientEventListener } from './client-events.js';
import { encodeHeartbeat, type ConsumerData } from './heartbeat-data.js';
import { NamesrvClient } from './namesrv-client.js';
import { parseNamesrvAddr } from './namesrv-addr.js';
import { MASTER_ID, anyAddr, masterAddr, type BrokerData, type TopicRouteData } from './topic-route.js';

export interface ClientOptions {
  /** "h1:9876;h2:9876", or a list. */
  namesrvAddr: string | readonly string[];
  /** The IP put in the clientId (default: the first non-internal IPv4 address). */
  clientIP?: string;
  /** Default: the process id. */
  instanceName?: string;
  /** Route refresh period (default 30 s). */
  pollNameServerIntervalMs?: number;
  /** Heartbeat period (default 30 s). */
  heartbeatBrokerIntervalMs?: number;
  /** Timeout of NameServer and administrative requests (default 3 s). */
  requestTimeoutMs?: number;
  /** Status events (route, heartbeat, rebalance, pull and commit failures ...). */
  onEvent?: ClientEventListener;
  /** Replaces TCP: dials "host:port" some other way (tests use in-memory transports). */
  connect?: (addr: string, timeoutMs: number) => Promise<Transport>;
}

export interface ClientHooks {
  producerGroups(): string[];
  consumerData(): ConsumerData[];
  /** NOTIFY_CONSUMER_IDS_CHANGED arrived for `group`. */
  onConsumerIdsChanged?(group: string): void;
  /** CHECK_TRANSACTION_STATE arrived (transactional producers answer on `conn`). */
  onCheckTransactionState?(req: RemotingCommand, conn: RemotingConnection): void;
}

export class ClientInstance {
  readonly clientId: string;
  readonly remoting: RemotingClient;
  readonly namesrv: NamesrvClient;
  readonly log: Logger;
  readonly requestTimeoutMs: number;
  readonly #options: ClientOptions;
  readonly #hooks: ClientHooks;
  readonly #routes = new Map<string, TopicRouteData>();
  readonly #pendingRoutes = new Map<string, Promise<TopicRouteData>>();
  readonly #brokers = new Map<string, BrokerData>();
  readonly #heartbeated = new Set<string>();
  readonly #watched = new Set<string>();
  #timers: NodeJS.Timeout[] = [];
  #running = false;

  constructor(options: ClientOptions, hooks: ClientHooks, component: string) {
    this.#options = options;
    this.#hooks = hooks;
    this.log = createLogger(component);
    this.clientId = createClientId(options.clientIP ?? localIp(), options.instanceName ?? String(process.pid));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3000;
    this.remoting = new RemotingClient({
      logger: this.log,
      onRequest: (req, conn) => this.#onRequest(req, conn),
      ...(options.connect === undefined ? {} : { connect: options.connect }),
    });
    this.namesrv = new NamesrvClient(this.remoting, parseNamesrvAddr(options.namesrvAddr), this.requestTimeoutMs);
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#every(this.#options.pollNameServerIntervalMs ?? 30_000, () => this.refreshWatchedRoutes());
    this.#every(this.#options.heartbeatBrokerIntervalMs ?? 30_000, () => this.heartbeat());
  }

  /** Stops the loops, unregisters from every broker it knows, closes connections. */
  async shutdown(groups: { producerGroup?: string; consumerGroup?: string } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    const ext: Record<string, string> = { clientID: this.clientId };
    if (groups.producerGroup !== undefined) ext.producerGroup = groups.producerGroup;
    if (groups.consumerGroup !== undefined) ext.consumerGroup = groups.consumerGroup;
    await Promise.all(
      [...this.#heartbeated].map(async (addr) => {
        try {
          await this.remoting.invoke(addr, createRequest(RequestCode.UNREGISTER_CLIENT, { ...ext }), this.requestTimeoutMs);
        } catch (err) {
          this.log.debug({ err, addr }, 'unregister failed');
        }
      }),
    );
    await this.remoting.shutdown();
  }

  emit(event: ClientEvent): void {
    const listener = this.#options.onEvent;
    if (listener === undefined) return;
    try {
      listener(event);
    } catch (err) {
      this.log.error({ err, event: event.type }, 'event listener threw');
    }
  }

  /** Keeps `topic`'s route refreshed from now on. */
  watch(topic: string): void {
    this.#watched.add(topic);
  }

  unwatch(topic: string): void {
    this.#watched.delete(topic);
  }

  cachedRoute(topic: string): TopicRouteData | undefined {
    return this.#routes.get(topic);
  }

  /** The cached route, or a fresh one from the NameServers. */
  route(topic: string): Promise<TopicRouteData> {
    const cached = this.#routes.get(topic);
    return cached !== undefined ? Promise.resolve(cached) : this.refreshRoute(topic);
  }

  /** Fetches the route now; concurrent callers for one topic share the request. */
  refreshRoute(topic: string): Promise<TopicRouteData> {
    let pending = this.#pendingRoutes.get(topic);
    if (pending === undefined) {
      pending = this.namesrv.topicRoute(topic).then(
        (route) => {
          this.#pendingRoutes.delete(topic);
          this.#storeRoute(topic, route);
          return route;
        },
        (err: unknown) => {
          this.#pendingRoutes.delete(topic);
          throw err;
        },
      );
      this.#pendingRoutes.set(topic, pending);
    }
    return pending;
  }

  async refreshWatchedRoutes(): Promise<void> {
    for (const topic of this.#watched) {
      try {
        await this.refreshRoute(topic);
      } catch (err) {
        this.log.warn({ err, topic }, 'route refresh failed');
        this.emit({ type: 'route-error', topic, error: asError(err) });
      }
    }
  }

  brokerData(brokerName: string): BrokerData | undefined {
    return this.#brokers.get(brokerName);
  }

  masterAddr(brokerName: string): string | undefined {
    return masterAddr(this.#brokers.get(brokerName));
  }

  /** An address to read from: `brokerId` if the broker has it, else the master, else a slave. */
  readAddr(brokerName: string, brokerId = MASTER_ID): string | undefined {
    const bd = this.#brokers.get(brokerName);
    return bd?.brokerAddrs[String(brokerId)] ?? anyAddr(bd);
  }

  /** HEART_BEAT to every known broker: masters only when this client has no consumer groups. */
  async heartbeat(): Promise<void> {
    const consumerDataSet = this.#hooks.consumerData();
    const producerDataSet = this.#hooks.producerGroups().map((groupName) => ({ groupName }));
    if (consumerDataSet.length === 0 && producerDataSet.length === 0) return;
    const body = encodeHeartbeat({ clientID: this.clientId, producerDataSet, consumerDataSet });
    const addrs: string[] = [];
    for (const bd of this.#brokers.values()) {
      for (const [id, addr] of Object.entries(bd.brokerAddrs)) {
        if (consumerDataSet.length > 0 || Number(id) === MASTER_ID) addrs.push(addr);
      }
    }
    await Promise.all(addrs.map((addr) => this.#heartbeatOne(addr, body)));
  }

  async #heartbeatOne(addr: string, body: Buffer): Promise<void> {
    try {
      const res = await this.remoting.invoke(addr, createRequest(RequestCode.HEART_BEAT, {}, body), this.requestTimeoutMs);
      if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
      this.#heartbeated.add(addr);
    } catch (err) {
      this.log.warn({ err, addr }, 'heartbeat failed');
      this.emit({ type: 'heartbeat-error', brokerAddr: addr, error: asError(err) });
    }
  }

  /** A broker request that must succeed: a non-zero response code throws. */
  async invokeOk(addr: string, cmd: RemotingCommand, timeoutMs = this.requestTimeoutMs): Promise<RemotingCommand> {
    const res = await this.remoting.invoke(addr, cmd, timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
    return res;
  }

  #storeRoute(topic: string, route: TopicRouteData): void {
    this.#routes.set(topic, route);
    let fresh = false;
    for (const bd of route.brokerDatas) {
      const known = this.#brokers.get(bd.brokerName);
      if (known === undefined || JSON.stringify(known.brokerAddrs) !== JSON.stringify(bd.brokerAddrs)) fresh = true;
      this.#brokers.set(bd.brokerName, bd);
    }
    this.emit({ type: 'route-updated', topic });
    // A broker seen for the first time learns about this client now, not up to 30 s later.
    if (fresh && this.#running) this.heartbeat().catch((err: unknown) => this.log.error({ err }, 'heartbeat failed'));
  }

  #every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => {
      fn().catch((err: unknown) => this.log.error({ err }, 'background task failed'));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #onRequest(req: RemotingCommand, conn: RemotingConnection): void {
    if (req.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED) {
      const group = req.extFields.consumerGroup;
      if (group !== undefined) this.#hooks.onConsumerIdsChanged?.(group);
      if (!isOneway(req)) conn.send(createResponse(req, ResponseCode.SUCCESS));
      return;
    }
    if (req.code === RequestCode.CHECK_TRANSACTION_STATE && this.#hooks.onCheckTransactionState !== undefined) {
      this.#hooks.onCheckTransactionState(req, conn);
      return;
    }
    if (!isOneway(req)) {
      conn.send(createResponse(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {}, undefined, ` request type ${req.code} not supported`));
    }
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
