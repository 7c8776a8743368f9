// An in-process cluster for tests: NameServers and brokers on ephemeral 127.0.0.1 ports with
// their data in a temp directory, and an admin client to create topics and wait for routes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient } from '@contrail/admin';
import { Broker, type BrokerConfig } from '@contrail/broker';
import { NameServer } from '@contrail/namesrv';
import { MemoryMessageStore } from '@contrail/store';
import { eventually } from './eventually.js';

export interface ClusterOptions {
  /** How many NameServers (default 1). */
  nameServers?: number;
  /** How many brokers (default 1), named broker-a, broker-b, … */
  brokers?: number;
  /** Config applied to every broker (ports, names, store path are set by the cluster). */
  brokerConfig?: Partial<BrokerConfig>;
  /** Per-broker config, merged over brokerConfig. */
  brokerConfigs?: readonly Partial<BrokerConfig>[];
  /** Use the in-memory store instead of files (default false). */
  memoryStore?: boolean;
  clusterName?: string;
}

export interface TopicOptions {
  /** Read and write queue count on each broker (default 4). */
  queues?: number;
  /** Host it on these broker indexes only (default all). */
  brokers?: readonly number[];
  order?: boolean;
  perm?: number;
}

export interface TestCluster {
  /** "127.0.0.1:p1;127.0.0.1:p2" */
  readonly namesrvAddr: string;
  readonly nameServers: readonly NameServer[];
  /** The running broker at each index (undefined while stopped). */
  readonly brokers: readonly (Broker | undefined)[];
  readonly dataDir: string;
  readonly admin: AdminClient;
  brokerName(i: number): string;
  /** Creates the topic and waits until every NameServer routes it to the chosen brokers. */
  createTopic(topic: string, options?: TopicOptions): Promise<void>;
  /** Stops broker i (graceful) and keeps its data. */
  stopBroker(i: number): Promise<void>;
  /** Starts broker i again on the same port and data. */
  startBroker(i: number): Promise<Broker>;
  restartBroker(i: number): Promise<Broker>;
  shutdown(): Promise<void>;
}

const NAMES = 'abcdefghijklmnopqrstuvwxyz';

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'contrail-cluster-'));
  const clusterName = options.clusterName ?? 'TestCluster';
  const nameServers: NameServer[] = [];
  const brokers: (Broker | undefined)[] = [];
  const ports: number[] = [];
  const grpcPorts: number[] = [];
  let admin: AdminClient | undefined;
  const brokerName = (i: number): string => `broker-${NAMES[i] ?? String(i)}`;

  const shutdown = async (): Promise<void> => {
    await admin?.shutdown();
    for (const b of brokers) await b?.shutdown();
    for (const n of nameServers) await n.shutdown();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < (options.nameServers ?? 1); i++) {
      const ns = new NameServer({ host: '127.0.0.1', port: 0 });
      await ns.start();
      nameServers.push(ns);
    }
    const namesrvList = nameServers.map((n) => `127.0.0.1:${n.port}`);
    const namesrvAddr = namesrvList.join(';');

    const startBroker = async (i: number): Promise<Broker> => {
      const broker = new Broker({
        ...options.brokerConfig,
        ...options.brokerConfigs?.[i],
        brokerName: brokerName(i),
        brokerClusterName: clusterName,
        listenPort: ports[i] ?? 0,
        // A restarted broker keeps its ports; a fixed remoting port must not pull in gRPC's 8081.
        grpcListenPort: grpcPorts[i] ?? options.brokerConfigs?.[i]?.grpcListenPort ?? options.brokerConfig?.grpcListenPort ?? 0,
        bindAddress: '127.0.0.1',
        brokerIP1: '127.0.0.1',
        storePathRootDir: join(dataDir, brokerName(i)),
        namesrvAddr: namesrvList,
        ...(options.memoryStore ? { messageStore: (c) => new MemoryMessageStore(c) } : {}),
      });
      await broker.start();
      ports[i] = broker.port;
      grpcPorts[i] = broker.grpcPort;
      brokers[i] = broker;
      return broker;
    };

    for (let i = 0; i < (options.brokers ?? 1); i++) await startBroker(i);
    const a = new AdminClient({ namesrvAddr });
    admin = a;
    const expected = brokers.length;
    for (const ns of namesrvList) {
      const one = new AdminClient({ namesrvAddr: ns });
      try {
        await eventually(async () => {
          const info = await one.clusterInfo();
          return Object.keys(info.brokerAddrTable).length === expected ? true : undefined;
        }, 10_000);
      } finally {
        await one.shutdown();
      }
    }

    const cluster: TestCluster = {
      namesrvAddr,
      nameServers,
      brokers,
      dataDir,
      admin: a,
      brokerName,
      async createTopic(topic, opts = {}) {
        const queues = opts.queues ?? 4;
        const on = opts.brokers ?? brokers.map((_, i) => i);
        await a.createTopic({
          topic,
          readQueueNums: queues,
          writeQueueNums: queues,
          perm: opts.perm ?? 6,
          order: opts.order ?? false,
          brokerNames: on.map(brokerName),
        });
        const want = new Set(on.map(brokerName));
        for (const ns of namesrvList) {
          const one = new AdminClient({ namesrvAddr: ns });
          try {
            await eventually(async () => {
              const route = await one.topicRoute(topic);
              const have = new Set(route.queueDatas.map((q) => q.brokerName));
              return [...want].every((b) => have.has(b)) ? true : undefined;
            }, 10_000);
          } finally {
            await one.shutdown();
          }
        }
      },
      async stopBroker(i) {
        const b = brokers[i];
        brokers[i] = undefined;
        await b?.shutdown();
      },
      startBroker,
      async restartBroker(i) {
        await cluster.stopBroker(i);
        return startBroker(i);
      },
      shutdown,
    };
    return cluster;
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}
