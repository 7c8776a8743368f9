// Recalling timer messages through the SDK (RECALL_MESSAGE): a recalled message is never
// delivered, its neighbours are; the recall holds across a broker restart; a late recall or
// a handle that does not fit is refused with ILLEGAL_OPERATION.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContrailError } from '@contrail/common';
import { Producer, PullConsumer } from '@contrail/client';
import { failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';
import { readTopic } from './read-topic.js';

failOnUnhandledRejection();

const CONFIG = { timerPrecisionMs: 100, timerFlushIntervalMs: 100 };

async function withCluster(name: string, fn: (c: TestCluster, p: Producer, consumer: PullConsumer) => Promise<void>): Promise<void> {
  const cluster = await startCluster({ brokerConfig: CONFIG });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: `PID_${name}` });
  const consumer = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: `GID_${name}` });
  try {
    await cluster.createTopic(name, { queues: 2 });
    await producer.start();
    await consumer.start();
    await fn(cluster, producer, consumer);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await cluster.shutdown();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function bodiesAfter(consumer: PullConsumer, topic: string, dueAt: number): Promise<string[]> {
  await sleep(Math.max(0, dueAt - Date.now()) + 800);
  return (await readTopic(consumer, topic)).map((m) => m.body.toString()).sort();
}

test('a timer message recalled before it is due is never delivered; the one beside it is', async () => {
  await withCluster('RECALL_BASIC', async (_c, producer, consumer) => {
    const due = Date.now() + 2500;
    const keep = await producer.send({ topic: 'RECALL_BASIC', body: 'keep', deliverTimeMs: due });
    const drop = await producer.send({ topic: 'RECALL_BASIC', body: 'drop', deliverTimeMs: due });
    const plain = await producer.send({ topic: 'RECALL_BASIC', body: 'now' });
    assert.equal(plain.recallHandle, undefined, 'only timer messages get a recall handle');
    assert.ok(keep.recallHandle !== undefined && drop.recallHandle !== undefined);
    assert.equal(await producer.recallMessage('RECALL_BASIC', drop.recallHandle), drop.msgId);
    assert.deepEqual(await bodiesAfter(consumer, 'RECALL_BASIC', due), ['keep', 'now']);
  });
});

test('a recall holds across a broker restart before the message is due', async () => {
  await withCluster('RECALL_RESTART', async (cluster, producer, consumer) => {
    // Far enough ahead that a loaded machine still restarts the broker before it.
    const due = Date.now() + 5000;
    const drop = await producer.send({ topic: 'RECALL_RESTART', body: 'drop', deliverTimeMs: due });
    await producer.send({ topic: 'RECALL_RESTART', body: 'keep', deliverTimeMs: due });
    assert.ok(drop.recallHandle !== undefined);
    await producer.recallMessage('RECALL_RESTART', drop.recallHandle);
    // Let the marker reach the timer log and a checkpoint, then restart before the due time.
    await sleep(400);
    await cluster.restartBroker(0);
    assert.ok(Date.now() < due, 'the restart finished before the due time');
    assert.deepEqual(await bodiesAfter(consumer, 'RECALL_RESTART', due), ['keep']);
  });
});

test('a recall drops every copy that carries the message id', async () => {
  await withCluster('RECALL_COPIES', async (_c, producer, consumer) => {
    const due = Date.now() + 2500;
    // A send retried after a timeout stores its message twice, with one UNIQ_KEY.
    const id = 'AC1100010000000000000000000RCOPY';
    const first = await producer.send({ topic: 'RECALL_COPIES', body: 'copy1', deliverTimeMs: due, properties: { UNIQ_KEY: id } });
    await producer.send({ topic: 'RECALL_COPIES', body: 'copy2', deliverTimeMs: due, properties: { UNIQ_KEY: id } });
    await producer.send({ topic: 'RECALL_COPIES', body: 'other', deliverTimeMs: due });
    assert.equal(first.msgId, id);
    assert.ok(first.recallHandle !== undefined);
    await producer.recallMessage('RECALL_COPIES', first.recallHandle);
    assert.deepEqual(await bodiesAfter(consumer, 'RECALL_COPIES', due), ['other']);
  });
});

test('recalls still hold when the broker comes back long after the due time', async () => {
  await withCluster('RECALL_OUTAGE', async (cluster, producer, consumer) => {
    // Far ahead, so that 3,000 requests on a loaded machine are all in before it; the clock
    // shift below makes it overdue at once anyway.
    const due = Date.now() + 15_000;
    // Many recalled messages, so that their deliveries after the restart span several of the
    // timer's ticks: a recall forgotten by the clock instead of by delivery progress shows.
    const n = 1500;
    const handles: string[] = [];
    for (let i = 0; i < n; i += 100) {
      const sent = await Promise.all(Array.from({ length: 100 }, (_, k) => producer.send({ topic: 'RECALL_OUTAGE', body: `drop${i + k}`, deliverTimeMs: due })));
      for (const r of sent) handles.push(r.recallHandle ?? '');
    }
    await producer.send({ topic: 'RECALL_OUTAGE', body: 'keep', deliverTimeMs: due });
    for (let i = 0; i < n; i += 100) await Promise.all(handles.slice(i, i + 100).map((h) => producer.recallMessage('RECALL_OUTAGE', h)));
    assert.ok(Date.now() < due - 500, 'every recall was in before the due time');
    await sleep(400);
    await cluster.stopBroker(0);
    // The broker is back 15 minutes later: every slot since the checkpoint is overdue at once.
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + 15 * 60_000;
    try {
      await cluster.startBroker(0);
      assert.deepEqual(await bodiesAfter(consumer, 'RECALL_OUTAGE', Date.now() + 1500), ['keep']);
    } finally {
      Date.now = realNow;
    }
  });
});

test('a late recall, a handle for another topic and a malformed handle are refused with ILLEGAL_OPERATION', async () => {
  await withCluster('RECALL_BAD', async (cluster, producer) => {
    await cluster.createTopic('RECALL_OTHER', { queues: 1 });
    const soon = await producer.send({ topic: 'RECALL_BAD', body: 'soon', deliverTimeMs: Date.now() + 300 });
    const later = await producer.send({ topic: 'RECALL_BAD', body: 'later', deliverTimeMs: Date.now() + 60_000 });
    assert.ok(soon.recallHandle !== undefined && later.recallHandle !== undefined);
    const illegal = (err: unknown): boolean => err instanceof ContrailError && err.code === 'ILLEGAL_OPERATION';
    await assert.rejects(producer.recallMessage('RECALL_OTHER', later.recallHandle), illegal);
    const forged = Buffer.from('v1 RECALL_BAD broker-a 1 x').toString('base64url');
    await assert.rejects(producer.recallMessage('RECALL_BAD', forged), illegal);
    const malformed = Buffer.from('v1 RECALL_BAD broker-a soon x').toString('base64url');
    await assert.rejects(producer.recallMessage('RECALL_BAD', malformed), illegal);
    await sleep(600);
    await assert.rejects(producer.recallMessage('RECALL_BAD', soon.recallHandle), illegal);
    // The broker still serves: a good recall goes through.
    assert.equal(await producer.recallMessage('RECALL_BAD', later.recallHandle), later.msgId);
  });
});
