// Delayed messages through the SDK: delay levels and arbitrary delivery times, never early,
// and still delivered (once) when the broker restarts while they wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, PullConsumer, type MessageExt } from '@contrail/client';
import { eventually, failOnUnhandledRejection, startCluster } from '@contrail/testkit';
import { readTopic } from './read-topic.js';

failOnUnhandledRejection();

const CONFIG = { messageDelayLevel: '1s 2s 3s', timerPrecisionMs: 100, timerFlushIntervalMs: 100, flushConsumerOffsetInterval: 200 };

async function waitFor(consumer: PullConsumer, topic: string, n: number, ms: number): Promise<MessageExt[]> {
  return eventually(async () => {
    const all = await readTopic(consumer, topic);
    return all.length >= n ? all : undefined;
  }, ms);
}

test('delay levels and delivery times arrive at their time, never before', async () => {
  const cluster = await startCluster({ brokerConfig: CONFIG });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: 'PID_DELAY' });
  const consumer = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_DELAY' });
  try {
    await cluster.createTopic('DELAYED', { queues: 2 });
    await producer.start();
    await consumer.start();
    const now = Date.now();
    const dues = new Map<string, number>();
    const send = async (body: string, extra: { delayLevel?: number; deliverTimeMs?: number; delaySeconds?: number }, dueAfter: number): Promise<void> => {
      const r = await producer.send({ topic: 'DELAYED', body, ...extra });
      dues.set(r.msgId, now + dueAfter);
    };
    await send('level-1', { delayLevel: 1 }, 1000);
    await send('level-2', { delayLevel: 2 }, 2000);
    await send('at-1500', { deliverTimeMs: now + 1500 }, 1500);
    await send('in-1s', { delaySeconds: 1 }, 1000);
    await send('at-700', { deliverTimeMs: now + 700 }, 700);
    assert.equal((await readTopic(consumer, 'DELAYED')).length, 0);
    const got = await waitFor(consumer, 'DELAYED', 5, 6000);
    assert.equal(got.length, 5);
    for (const m of got) {
      const due = dues.get(m.msgId) ?? Infinity;
      assert.ok(m.storeTimestamp >= due, `${m.body.toString()} visible ${due - m.storeTimestamp} ms early`);
    }
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['at-1500', 'at-700', 'in-1s', 'level-1', 'level-2']);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await cluster.shutdown();
  }
});

test('delayed and timed messages wait out a broker restart and arrive once, not early', async () => {
  const cluster = await startCluster({ brokerConfig: CONFIG });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: 'PID_DELAY_RESTART' });
  const consumer = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_DELAY_RESTART' });
  try {
    await cluster.createTopic('DELAYED_RESTART', { queues: 1 });
    await producer.start();
    await consumer.start();
    const now = Date.now();
    await producer.send({ topic: 'DELAYED_RESTART', body: 'level-2', delayLevel: 2 });
    await producer.send({ topic: 'DELAYED_RESTART', body: 'timer', deliverTimeMs: now + 2500 });
    // The first level-1 message goes out before the restart, so the saved delay offset matters.
    await producer.send({ topic: 'DELAYED_RESTART', body: 'level-1', delayLevel: 1 });
    await new Promise((r) => setTimeout(r, 1300));
    await cluster.restartBroker(0);
    const got = await waitFor(consumer, 'DELAYED_RESTART', 3, 8000);
    await new Promise((r) => setTimeout(r, 500));
    const all = await readTopic(consumer, 'DELAYED_RESTART');
    assert.deepEqual(all.map((m) => m.body.toString()).sort(), ['level-1', 'level-2', 'timer']);
    const at = (body: string): number => got.find((m) => m.body.toString() === body)?.storeTimestamp ?? 0;
    assert.ok(at('level-2') >= now + 2000);
    assert.ok(at('timer') >= now + 2500);
    assert.ok(at('level-1') >= now + 1000);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await cluster.shutdown();
  }
});
