// One message flow, two doors: sent with ali-ons over remoting and received with
// rocketmq-client-nodejs over gRPC, and the reverse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { Producer, SimpleConsumer, quietLogger, startGrpcCluster, type GrpcCluster } from './grpc-harness.js';

interface OnsMessage {
  msgId: string;
  tags: string;
  body: Buffer;
  properties: Record<string, string>;
}
interface OnsProducer {
  ready(): Promise<void>;
  send(msg: unknown): Promise<{ msgId: string; sendStatus: string }>;
  close(): Promise<void>;
}
interface OnsConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expr: string, fn: (msg: OnsMessage) => Promise<void>): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): Promise<void>;
}
interface Ons {
  Producer: new (o: Record<string, unknown>) => OnsProducer;
  Consumer: new (o: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tag: string, body: string | Buffer) => object;
}

const ons = createRequire(import.meta.url)('ali-ons') as Ons;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

failOnUnhandledRejection();
let c: GrpcCluster;

before(async () => {
  c = await startGrpcCluster();
  await c.cluster.createTopic('GRPC_X_ONS_TO_GRPC', { queues: 2 });
  await c.cluster.createTopic('GRPC_X_GRPC_TO_ONS', { queues: 2 });
});
after(async () => {
  await c.shutdown();
  // ali-ons keeps handles open after close() (its process never ends by itself): end this
  // test file's process once everything of ours is stopped and the results are out.
  setTimeout(() => process.exit(), 1000).unref();
});

// ali-ons asks for an HTTP client even when it is given NameServers and never fetches with it.
const noHttp = { request: () => Promise.reject(new Error('no HTTP here')) };
const onsOptions = (): Record<string, unknown> => ({ httpclient: noHttp, nameSrv: c.cluster.namesrvAddr.split(';'), accessKeyId: 'ak', accessKeySecret: 'sk', logger: silent,
  // Its background loops notice close() only between runs: short periods let the test process end.
  pollNameServerInteval: 1000, heartbeatBrokerInterval: 1000, rebalanceInterval: 1000, persistConsumerOffsetInterval: 1000 });

test('ali-ons sends over remoting, rocketmq-client-nodejs receives over gRPC', async () => {
  const producer = new ons.Producer({ ...onsOptions(), producerGroup: 'PID_X_ONS' });
  await producer.ready();
  const consumer = new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: 'GID_X_GRPC', subscriptions: new Map([['GRPC_X_ONS_TO_GRPC', 'TagX']]), awaitDuration: 2000, logger: quietLogger });
  await consumer.startup();
  try {
    const sent = await producer.send(new ons.Message('GRPC_X_ONS_TO_GRPC', 'TagX', 'from remoting'));
    assert.equal(sent.sendStatus, 'SEND_OK');
    const got = await eventually(async () => {
      const batch = await consumer.receive(1, 10_000);
      return batch.length > 0 ? batch : undefined;
    }, 10_000);
    const m = got[0];
    assert.ok(m);
    assert.equal(m.body.toString(), 'from remoting');
    assert.equal(m.tag, 'TagX');
    assert.notEqual(m.corrupted, true);
    await consumer.ack(m);
  } finally {
    await consumer.shutdown();
    await producer.close();
  }
});

test('rocketmq-client-nodejs sends over gRPC, ali-ons receives over remoting', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
  await producer.startup();
  const received: OnsMessage[] = [];
  const consumer = new ons.Consumer({ ...onsOptions(), consumerGroup: 'GID_X_ONS' });
  consumer.on('error', () => undefined);
  consumer.subscribe('GRPC_X_GRPC_TO_ONS', '*', async (msg) => {
    received.push(msg);
  });
  await consumer.ready();
  try {
    const r = await producer.send({ topic: 'GRPC_X_GRPC_TO_ONS', tag: 'TagY', keys: ['k1'], body: Buffer.from('from gRPC'), properties: new Map([['color', 'blue']]) });
    const m = await eventually(() => received[0], 15_000);
    assert.equal(m.body.toString(), 'from gRPC');
    assert.equal(m.tags, 'TagY');
    assert.equal(m.properties.color, 'blue');
    assert.equal(m.properties.UNIQ_KEY, r.messageId);
  } finally {
    await producer.shutdown();
    await consumer.close();
  }
});
