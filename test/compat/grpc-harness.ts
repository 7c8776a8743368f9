// The official RocketMQ 5 Node.js client (rocketmq-client-nodejs, unchanged) against an
// in-process cluster's gRPC door: helpers shared by the grpc-*.test.ts files.
import rmq from 'rocketmq-client-nodejs';
import type { ILogger } from 'rocketmq-client-nodejs';
import { startCluster, type ClusterOptions, type TestCluster } from '@contrail/testkit';
import type { Broker } from '@contrail/broker';

export const { Producer, SimpleConsumer, PushConsumer, ConsumeResult } = rmq;
export type MessageView = import('rocketmq-client-nodejs').MessageView;

/** Keeps the client's own log out of ~/logs; set CONTRAIL_CLIENT_LOG=1 to see it. */
export const quietLogger: ILogger = {
  info: (...a: unknown[]) => log('info', a),
  warn: (...a: unknown[]) => log('warn', a),
  error: (...a: unknown[]) => log('error', a),
  debug: () => undefined,
};

function log(level: string, args: unknown[]): void {
  if (process.env.CONTRAIL_CLIENT_LOG === '1') process.stderr.write(`[client ${level}] ${args.map(String).join(' ')}\n`);
}

export interface GrpcCluster {
  cluster: TestCluster;
  broker: Broker;
  /** "127.0.0.1:<grpc port>" — the client's endpoints option. */
  endpoints: string;
  shutdown(): Promise<void>;
}

export async function startGrpcCluster(options: ClusterOptions = {}): Promise<GrpcCluster> {
  const cluster = await startCluster({ memoryStore: true, ...options, brokerConfig: { grpcLongPollingTimeoutMs: 1500, ...options.brokerConfig } });
  const broker = cluster.brokers[0];
  if (broker === undefined) throw new Error('no broker');
  return {
    cluster,
    broker,
    get endpoints() {
      return `127.0.0.1:${cluster.brokers[0]?.grpcPort ?? 0}`;
    },
    shutdown: () => cluster.shutdown(),
  };
}

/** Sets a consumer group's retries and FIFO flag on every broker of the cluster. */
export function configureGroup(c: GrpcCluster, group: string, options: { retryMaxTimes?: number; fifo?: boolean }): void {
  for (const b of c.cluster.brokers) {
    if (b === undefined) continue;
    const groups = b.messagingCore.services.groups;
    const g = groups.findOrCreate(group);
    if (g === undefined) throw new Error(`cannot create group ${group}`);
    groups.createOrUpdate({ ...g, retryMaxTimes: options.retryMaxTimes ?? g.retryMaxTimes, consumeMessageOrderly: options.fifo ?? g.consumeMessageOrderly });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
