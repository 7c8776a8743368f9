// POP state across a broker restart (file store), with rocketmq-client-nodejs 1.0.8's
// SimpleConsumer: a message received and not acknowledged comes back once its invisible time
// is over, after the restart, and is not lost; an acknowledged one does not come back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { failOnUnhandledRejection } from '@contrail/testkit';
import { Producer, SimpleConsumer, quietLogger, startGrpcCluster, type GrpcCluster, type MessageView } from './grpc-harness.js';

failOnUnhandledRejection();

const TOPIC = 'GRPC_POP_RESTART';
const GROUP = 'GID_POP_RESTART';
const INVISIBLE_MS = 4000;

let c: GrpcCluster;

before(async () => {
  c = await startGrpcCluster({ memoryStore: false });
  await c.cluster.createTopic(TOPIC, { queues: 2 });
});
after(() => c.shutdown());

function newConsumer(): InstanceType<typeof SimpleConsumer> {
  return new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: GROUP, subscriptions: new Map([[TOPIC, '*']]), awaitDuration: 1000, logger: quietLogger });
}

test('after a restart an unacknowledged message comes back after its invisible time; an acknowledged one does not', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: [TOPIC], logger: quietLogger });
  await producer.startup();
  const keep = await producer.send({ topic: TOPIC, body: Buffer.from('not acknowledged') });
  const done = await producer.send({ topic: TOPIC, body: Buffer.from('acknowledged') });
  await producer.shutdown();

  const before = newConsumer();
  await before.startup();
  let receivedAt = 0;
  try {
    const got: MessageView[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) got.push(...(await before.receive(2 - got.length, INVISIBLE_MS)));
    receivedAt = Date.now();
    assert.deepEqual(got.map((m) => m.messageId).sort(), [keep.messageId, done.messageId].sort());
    const acked = got.find((m) => m.messageId === done.messageId);
    assert.ok(acked);
    await before.ack(acked);
  } finally {
    await before.shutdown();
  }

  const restarted = await c.cluster.restartBroker(0);
  assert.notEqual(restarted, c.broker, 'a new broker instance on the same files');

  const afterRestart = newConsumer();
  await afterRestart.startup();
  try {
    const seen: MessageView[] = [];
    const deadline = Date.now() + INVISIBLE_MS + 10_000;
    while (!seen.some((m) => m.messageId === keep.messageId) && Date.now() < deadline) seen.push(...(await afterRestart.receive(4, 10_000)));
    const back = seen.find((m) => m.messageId === keep.messageId);
    assert.ok(back, 'the unacknowledged message came back after the restart');
    assert.equal(back.body.toString(), 'not acknowledged');
    assert.ok(Date.now() - receivedAt >= INVISIBLE_MS - 200, 'not before its invisible time was over');
    assert.equal(back.deliveryAttempt, 2, 'the second delivery');
    assert.ok(!seen.some((m) => m.messageId === done.messageId), 'the acknowledged message did not come back');
    await afterRestart.ack(back);
    // Nothing else is left: the acknowledged message stays consumed.
    const rest = await afterRestart.receive(4, 10_000);
    assert.deepEqual(rest.map((m) => m.body.toString()), []);
  } finally {
    await afterRestart.shutdown();
  }
});

test('a simple consumer that stays up across the restart gets its unacknowledged message again', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: [TOPIC], logger: quietLogger });
  await producer.startup();
  const keep = await producer.send({ topic: TOPIC, body: Buffer.from('across the restart') });
  await producer.shutdown();
  const consumer = newConsumer();
  await consumer.startup();
  try {
    const got: MessageView[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < 1 && Date.now() < deadline) got.push(...(await consumer.receive(1, INVISIBLE_MS)));
    const receivedAt = Date.now();
    assert.equal(got[0]?.messageId, keep.messageId);
    await c.cluster.restartBroker(0);
    const seen: MessageView[] = [];
    const until = Date.now() + INVISIBLE_MS + 15_000;
    while (!seen.some((m) => m.messageId === keep.messageId) && Date.now() < until) {
      try {
        seen.push(...(await consumer.receive(1, 10_000)));
      } catch {
        // The first calls may meet the closed connection; the client reconnects.
      }
    }
    const back = seen.find((m) => m.messageId === keep.messageId);
    assert.ok(back, 'redelivered after the restart');
    assert.ok(Date.now() - receivedAt >= INVISIBLE_MS - 200, 'not before its invisible time was over');
    assert.equal(back.deliveryAttempt, 2);
    await consumer.ack(back);
  } finally {
    await consumer.shutdown();
  }
});
