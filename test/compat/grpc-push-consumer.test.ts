// PushConsumer of rocketmq-client-nodejs 1.0.8, standard and FIFO: messages reach the
// listener; one that always fails ends in %DLQ%<group> after the group's max attempts
// (the client nacks with a few milliseconds, which the broker must accept).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '@contrail/common';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { ConsumeResult, Producer, PushConsumer, configureGroup, quietLogger, startGrpcCluster, type GrpcCluster, type MessageView } from './grpc-harness.js';

failOnUnhandledRejection();
let c: GrpcCluster;

before(async () => {
  c = await startGrpcCluster();
  await c.cluster.createTopic('GRPC_PUSH', { queues: 2 });
  await c.cluster.createTopic('GRPC_PUSH_FIFO', { queues: 2 });
});
after(async () => {
  await c.shutdown();
  // The 1.0.8 PushConsumer leaves a handle open after shutdown() (the process does not end by
  // itself): end this test file's process once the cluster is stopped and results are out.
  setTimeout(() => process.exit(), 1000).unref();
});

async function dlqBodies(group: string): Promise<string[]> {
  const store = c.broker.store;
  const r = await store.getMessage(`%DLQ%${group}`, 0, 0, 32);
  return r.status === 'FOUND' ? r.buffers.map((b) => decodeRecord(b, 0, { strict: false }).body.toString()) : [];
}

for (const fifo of [false, true]) {
  const kind = fifo ? 'FIFO' : 'standard';
  test(`${kind} push consumer: good messages are consumed, a failing one goes to the DLQ`, async () => {
    const topic = fifo ? 'GRPC_PUSH_FIFO' : 'GRPC_PUSH';
    const group = fifo ? 'GID_PUSH_FIFO' : 'GID_PUSH';
    configureGroup(c, group, { retryMaxTimes: 2, fifo });
    const seen: string[] = [];
    let poisonAttempts = 0;
    const consumer = new PushConsumer({
      endpoints: c.endpoints,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      logger: quietLogger,
      messageListener: {
        consume(view: MessageView) {
          const body = view.body.toString();
          if (body === 'poison') {
            poisonAttempts++;
            return ConsumeResult.FAILURE;
          }
          seen.push(body);
          return ConsumeResult.SUCCESS;
        },
      },
    });
    await consumer.startup();
    const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
    await producer.startup();
    try {
      const group1 = fifo ? { messageGroup: 'g1' } : {};
      await producer.send({ topic, body: Buffer.from('m0'), ...group1 });
      await producer.send({ topic, body: Buffer.from('poison'), ...group1 });
      for (let i = 1; i < 4; i++) await producer.send({ topic, body: Buffer.from(`m${i}`), ...group1 });
      await eventually(async () => ((await dlqBodies(group)).includes('poison') ? true : undefined), 20_000);
      await eventually(() => (seen.length >= 4 ? true : undefined), 10_000);
      assert.deepEqual([...new Set(seen)].sort(), ['m0', 'm1', 'm2', 'm3']);
      if (fifo) assert.deepEqual(seen.slice(0, 4), ['m0', 'm1', 'm2', 'm3'], 'in order, the group waiting for the poison message');
      assert.equal(poisonAttempts, 3, 'max attempts = retryMaxTimes + 1');
    } finally {
      await producer.shutdown();
      await consumer.shutdown();
    }
  });
}
