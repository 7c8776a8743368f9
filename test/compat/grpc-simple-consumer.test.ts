// SimpleConsumer of rocketmq-client-nodejs 1.0.8: subscribe with a tag expression, receive,
// ack, changeInvisibleDuration, redelivery after the invisible time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { Producer, SimpleConsumer, quietLogger, sleep, startGrpcCluster, type GrpcCluster, type MessageView } from './grpc-harness.js';

failOnUnhandledRejection();
let c: GrpcCluster;

before(async () => {
  c = await startGrpcCluster();
  await c.cluster.createTopic('GRPC_SIMPLE', { queues: 4 });
  await c.cluster.createTopic('GRPC_REDELIVER', { queues: 2 });
});
after(() => c.shutdown());

async function receiveUntil(consumer: InstanceType<typeof SimpleConsumer>, n: number, invisibleMs: number, timeoutMs = 10_000): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) got.push(...(await consumer.receive(n - got.length, invisibleMs)));
  return got;
}

test('producer sends, simple consumer with a tag expression receives and acks', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: ['GRPC_SIMPLE'], logger: quietLogger, maxAttempts: 2 });
  await producer.startup();
  const consumer = new SimpleConsumer({
    endpoints: c.endpoints,
    namespace: '',
    consumerGroup: 'GID_GRPC_SIMPLE',
    subscriptions: new Map([['GRPC_SIMPLE', 'TagA || TagB']]),
    awaitDuration: 2000,
    logger: quietLogger,
  });
  await consumer.startup();
  try {
    const sent = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      const tag = ['TagA', 'TagB', 'TagC'][i % 3] ?? 'TagA';
      const receipt = await producer.send({ topic: 'GRPC_SIMPLE', tag, keys: [`k${i}`], body: Buffer.from(`hello ${i}`), properties: new Map([['i', String(i)]]) });
      assert.ok(receipt.offset !== undefined && receipt.offset >= 0);
      assert.equal(receipt.transactionId, receipt.messageId);
      if (tag !== 'TagC') sent.set(receipt.messageId, `hello ${i}`);
    }
    const got = await receiveUntil(consumer, 4, 10_000);
    assert.equal(got.length, 4);
    for (const m of got) {
      assert.equal(sent.get(m.messageId), m.body.toString());
      assert.ok(m.tag === 'TagA' || m.tag === 'TagB');
      assert.notEqual(m.corrupted, true);
      assert.equal(m.topic, 'GRPC_SIMPLE');
      assert.ok(m.transportDeliveryTimestamp instanceof Date);
      assert.equal(m.properties.get('i'), m.body.toString().slice(6));
      await consumer.ack(m);
    }
    // Nothing else matches: TagC was filtered and the rest acknowledged.
    assert.deepEqual(await consumer.receive(10, 10_000), []);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('an unacknowledged message comes back after its invisible time; changeInvisibleDuration then ack works', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
  await producer.startup();
  const consumer = new SimpleConsumer({
    endpoints: c.endpoints,
    namespace: '',
    consumerGroup: 'GID_GRPC_REDELIVER',
    subscriptions: new Map([['GRPC_REDELIVER', '*']]),
    awaitDuration: 2000,
    logger: quietLogger,
  });
  await consumer.startup();
  try {
    const r = await producer.send({ topic: 'GRPC_REDELIVER', body: Buffer.from('again') });
    const [first] = await receiveUntil(consumer, 1, 1000);
    assert.ok(first);
    assert.equal(first.messageId, r.messageId);
    const t0 = Date.now();
    const [second] = await receiveUntil(consumer, 1, 1000);
    assert.ok(second, 'redelivered');
    assert.equal(second.messageId, r.messageId);
    assert.ok(Date.now() - t0 >= 500, 'not before the invisible time');
    // Hide it for longer; the old handle is stale, the new one acknowledges.
    await consumer.changeInvisibleDuration(second, 5000);
    assert.deepEqual(await consumer.receive(1, 1000), []);
    await consumer.ack(second);
    await sleep(50);
    assert.deepEqual(await consumer.receive(1, 1000), []);
    await eventually(() => (c.broker.messagingCore.services.offsets.queryOffset('GID_GRPC_REDELIVER', 'GRPC_REDELIVER', 0) + c.broker.messagingCore.services.offsets.queryOffset('GID_GRPC_REDELIVER', 'GRPC_REDELIVER', 1) >= 0 ? true : undefined));
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});
