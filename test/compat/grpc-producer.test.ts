// Producer of rocketmq-client-nodejs 1.0.8: normal, FIFO (message group), delay and
// transactional messages, including a transaction resolved by the broker's check over
// Telemetry; a producer created with several topics starts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransactionChecker } from 'rocketmq-client-nodejs';
import { failOnUnhandledRejection } from '@contrail/testkit';
import { Producer, SimpleConsumer, quietLogger, startGrpcCluster, type GrpcCluster, type MessageView } from './grpc-harness.js';

type Resolution = Awaited<ReturnType<TransactionChecker['check']>>;
const COMMIT = 1 as Resolution;
/** The checker has no answer yet: the half message stays until the producer ends it. */
const UNKNOWN = 0 as Resolution;

failOnUnhandledRejection();
let c: GrpcCluster;
const TOPICS = ['GRPC_P_NORMAL', 'GRPC_P_FIFO', 'GRPC_P_DELAY', 'GRPC_P_TX', 'GRPC_P_CHECK'];

before(async () => {
  c = await startGrpcCluster({ brokerConfig: { transactionTimeOut: 500, transactionCheckInterval: 300, timerPrecisionMs: 100 } });
  for (const t of TOPICS) await c.cluster.createTopic(t, { queues: 4 });
});
after(() => c.shutdown());

function consumer(group: string, topic: string): InstanceType<typeof SimpleConsumer> {
  return new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 2000, logger: quietLogger });
}

async function receiveAll(sc: InstanceType<typeof SimpleConsumer>, n: number, timeoutMs = 10_000): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) {
    const batch = await sc.receive(n - got.length, 10_000);
    for (const m of batch) {
      got.push(m);
      await sc.ack(m);
    }
  }
  return got;
}

test('a producer created with several topics starts, and sends normal messages to each', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: TOPICS, logger: quietLogger });
  await producer.startup();
  try {
    const r = await producer.send({ topic: 'GRPC_P_NORMAL', keys: ['a', 'b'], body: Buffer.from('normal') });
    assert.equal(r.transactionId, r.messageId);
    assert.match(r.messageId, /^[0-9A-F]{34}$/);
    const sc = consumer('GID_P_NORMAL', 'GRPC_P_NORMAL');
    await sc.startup();
    const [m] = await receiveAll(sc, 1);
    assert.equal(m?.body.toString(), 'normal');
    assert.deepEqual(m?.keys, ['a', 'b']);
    await sc.shutdown();
  } finally {
    await producer.shutdown();
  }
});

test('FIFO: a message group lands in one queue, in order, with its group', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
  await producer.startup();
  try {
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'GRPC_P_FIFO', messageGroup: 'order-1', body: Buffer.from(String(i)) });
    const sc = consumer('GID_P_FIFO', 'GRPC_P_FIFO');
    await sc.startup();
    const got = await receiveAll(sc, 5);
    assert.deepEqual(got.map((m) => m.body.toString()), ['0', '1', '2', '3', '4']);
    for (const m of got) {
      assert.equal(m.messageGroup, 'order-1');
      assert.equal(m.properties.get('__SHARDINGKEY'), 'order-1');
    }
    await sc.shutdown();
  } finally {
    await producer.shutdown();
  }
});

test('delay: a message sent with delay 1000 arrives no earlier than that', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
  await producer.startup();
  const sc = consumer('GID_P_DELAY', 'GRPC_P_DELAY');
  await sc.startup();
  try {
    const sentAt = Date.now();
    const r = await producer.send({ topic: 'GRPC_P_DELAY', delay: 1000, body: Buffer.from('later') });
    assert.ok(r.offset !== undefined && r.offset >= 0);
    const [m] = await receiveAll(sc, 1);
    assert.ok(m);
    assert.equal(m.body.toString(), 'later');
    assert.ok(m.transportDeliveryTimestamp !== undefined && m.transportDeliveryTimestamp.getTime() - sentAt >= 1000);
    assert.ok(m.deliveryTimestamp !== undefined && m.deliveryTimestamp.getTime() >= sentAt + 1000);
  } finally {
    await sc.shutdown();
    await producer.shutdown();
  }
});

test('transaction: commit delivers with __transactionId__, rollback never does', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: ['GRPC_P_TX'], logger: quietLogger, checker: { check: () => Promise.resolve(UNKNOWN) } });
  await producer.startup();
  const sc = consumer('GID_P_TX', 'GRPC_P_TX');
  await sc.startup();
  try {
    const tx1 = producer.beginTransaction();
    const r1 = await producer.send({ topic: 'GRPC_P_TX', body: Buffer.from('committed') }, tx1);
    assert.equal(r1.transactionId, r1.messageId);
    const tx2 = producer.beginTransaction();
    await producer.send({ topic: 'GRPC_P_TX', body: Buffer.from('rolled back') }, tx2);
    assert.deepEqual(await sc.receive(5, 10_000), [], 'half messages are not visible');
    await tx2.rollback();
    await tx1.commit();
    const [m] = await receiveAll(sc, 1);
    assert.equal(m?.body.toString(), 'committed');
    assert.equal(m?.messageId, r1.messageId);
    assert.equal(m?.properties.get('__transactionId__'), r1.transactionId);
    assert.deepEqual(await sc.receive(5, 10_000), []);
  } finally {
    await sc.shutdown();
    await producer.shutdown();
  }
});

test('transaction: an unresolved one is committed by the checker the broker asks over Telemetry', async () => {
  const checked: string[] = [];
  const producer = new Producer({
    endpoints: c.endpoints,
    namespace: '',
    topics: ['GRPC_P_CHECK'],
    logger: quietLogger,
    checker: {
      check: (view) => {
        checked.push(view.messageId);
        return Promise.resolve(COMMIT);
      },
    },
  });
  await producer.startup();
  const sc = consumer('GID_P_CHECK', 'GRPC_P_CHECK');
  await sc.startup();
  try {
    const tx = producer.beginTransaction();
    const r = await producer.send({ topic: 'GRPC_P_CHECK', body: Buffer.from('checked') }, tx);
    // No commit: the broker checks back.
    const [m] = await receiveAll(sc, 1, 15_000);
    assert.equal(m?.body.toString(), 'checked');
    assert.equal(m?.messageId, r.messageId);
    assert.ok(checked.includes(r.messageId));
  } finally {
    await sc.shutdown();
    await producer.shutdown();
  }
});
