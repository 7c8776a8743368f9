import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { SysFlag, javaStringHashCode } from '@contrail/common';
import { RequestCode } from '@contrail/remoting';
import { LitePullConsumer, Producer, PullConsumer, type ClientEvent, type LitePullConsumerOptions, type MessageExt } from '../src/index.js';
import { StubCluster } from './stub-cluster.js';

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('pull consumer: statuses, offsets, client-side tag re-filtering, compressed bodies', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const b = cluster.brokers[0]!;
  // "Aa" and "BB" share a Java hash code: the broker cannot tell them apart, the client can.
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
  b.store('T', 0, 'a1', { TAGS: 'Aa' });
  b.store('T', 0, 'b1', { TAGS: 'BB' });
  b.store('T', 0, 'c1', { TAGS: 'C' });
  b.store('T', 0, deflateSync(Buffer.from('zipped')), { TAGS: 'Aa' }, SysFlag.COMPRESSED);
  const consumer = new PullConsumer({ namesrvAddr: cluster.namesrv.addr, consumerGroup: 'G', connect: cluster.connect });
  await assert.rejects(consumer.pull({ topic: 'T', brokerName: 'broker-a', queueId: 0 }, '*', 0, 32), { code: 'CLIENT_STATE' });
  await consumer.start();
  const queues = await consumer.fetchSubscribeMessageQueues('T');
  assert.equal(queues.length, 4);
  const mq = queues[0]!;
  const found = await consumer.pull(mq, 'Aa', 0, 32);
  assert.equal(found.status, 'FOUND');
  assert.deepEqual(found.messages.map((m) => m.body.toString()), ['a1', 'zipped']);
  assert.equal(found.nextBeginOffset, 4);
  assert.equal(found.maxOffset, 4);
  assert.equal(found.messages[0]?.tags, 'Aa');
  assert.equal((await consumer.pull(mq, '*', 1, 2)).messages.length, 2);
  assert.equal((await consumer.pull(mq, '*', 4, 32)).status, 'NO_NEW_MSG');
  assert.equal((await consumer.pull(mq, 'Zz', 0, 32)).status, 'NO_MATCHED_MSG');
  const illegal = await consumer.pull(mq, '*', 99, 32);
  assert.deepEqual([illegal.status, illegal.nextBeginOffset], ['OFFSET_ILLEGAL', 4]);
  assert.equal(await consumer.fetchConsumeOffset(mq), -1);
  await consumer.updateConsumeOffset(mq, 3);
  assert.equal(await consumer.fetchConsumeOffset(mq), 3);
  assert.equal(await consumer.maxOffset(mq), 4);
  assert.equal(await consumer.minOffset(mq), 0);
  const pull = b.requests.filter((r) => r.code === RequestCode.PULL_MESSAGE)[0];
  assert.equal(pull?.extFields.sysFlag, '4');
  await consumer.shutdown();
  await cluster.shutdown();
});

function lite(cluster: StubCluster, options: Partial<LitePullConsumerOptions> = {}): LitePullConsumer {
  return new LitePullConsumer({
    namesrvAddr: cluster.namesrv.addr,
    consumerGroup: 'G',
    connect: cluster.connect,
    suspendTimeoutMs: 200,
    pullDelayOnErrorMs: 20,
    ...options,
  });
}

test('lite pull, assign mode: poll, commit, committed, seek', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const b = cluster.brokers[0]!;
  for (let i = 0; i < 5; i++) b.store('T', 1, `m${i}`, { TAGS: i % 2 === 0 ? 'even' : 'odd' });
  const consumer = lite(cluster, { autoCommit: false, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  const mq = { topic: 'T', brokerName: 'broker-a', queueId: 1 };
  await consumer.assign([mq], 'even');
  await consumer.start();
  const got = await consumer.poll(2000);
  assert.deepEqual(got.map((m) => m.body.toString()), ['m0', 'm2', 'm4']);
  assert.equal(await consumer.committed(mq), -1);
  await consumer.commit();
  assert.equal(await consumer.committed(mq), 5);
  assert.equal(b.count(RequestCode.HEART_BEAT), 0);
  consumer.seek(mq, 1);
  const again = await consumer.poll(2000);
  assert.deepEqual(again.map((m) => m.queueOffset), [2, 4]);
  await consumer.seekToBegin(mq);
  assert.deepEqual((await consumer.poll(2000)).map((m) => m.queueOffset), [0, 2, 4]);
  assert.deepEqual(await consumer.poll(50), []);
  b.store('T', 1, 'late', { TAGS: 'even' });
  assert.deepEqual((await consumer.poll(2000)).map((m) => m.body.toString()), ['late']);
  assert.throws(() => consumer.seek({ ...mq, queueId: 3 }, 0), { code: 'CLIENT_STATE' });
  await consumer.shutdown();
  await cluster.shutdown();
});

test('lite pull: a queue without a committed offset starts at the end by default; autoCommit stores progress', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const b = cluster.brokers[0]!;
  b.store('T', 0, 'old');
  const consumer = lite(cluster, { autoCommitIntervalMs: 30 });
  const mq = { topic: 'T', brokerName: 'broker-a', queueId: 0 };
  await consumer.assign([mq]);
  await consumer.start();
  assert.deepEqual(await consumer.poll(100), []);
  b.store('T', 0, 'new');
  assert.deepEqual((await consumer.poll(2000)).map((m) => m.body.toString()), ['new']);
  // Marked consumed by the next poll, committed by the background loop.
  await consumer.poll(10);
  await until(() => b.offsets.get('G|T|0') === 2);
  await consumer.shutdown();
  await cluster.shutdown();
});

test('lite pull, subscribe mode: heartbeats, rebalances on NOTIFY_CONSUMER_IDS_CHANGED, shares queues', async () => {
  const cluster = new StubCluster(2);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const events: ClientEvent[] = [];
  const c1 = lite(cluster, { rebalanceIntervalMs: 60_000, onEvent: (e) => events.push(e) });
  const c2 = lite(cluster, { rebalanceIntervalMs: 60_000 });
  await c1.subscribe('T', '*');
  await c1.start();
  assert.equal(c1.assignment().length, 8);
  const hb = cluster.brokers[0]!.requests.find((r) => r.code === RequestCode.HEART_BEAT);
  const data = JSON.parse(hb?.body?.toString() ?? '{}') as { consumerDataSet: { consumeType: string; messageModel: string; subscriptionDataSet: { topic: string }[] }[] };
  assert.equal(data.consumerDataSet[0]?.consumeType, 'CONSUME_ACTIVELY');
  assert.equal(data.consumerDataSet[0]?.messageModel, 'CLUSTERING');
  assert.equal(data.consumerDataSet[0]?.subscriptionDataSet[0]?.topic, 'T');
  await c2.start();
  await c2.subscribe('T');
  assert.equal(c2.assignment().length, 4);
  await until(() => c1.assignment().length === 4);
  const owned = new Set([...c1.assignment(), ...c2.assignment()].map((q) => `${q.brokerName}:${q.queueId}`));
  assert.equal(owned.size, 8);
  assert.ok(events.some((e) => e.type === 'rebalanced'));
  // Messages reach whichever member owns the queue.
  cluster.brokers[1]!.store('T', 3, 'to-b3');
  const owner = c1.assignment().some((q) => q.brokerName === 'broker-b' && q.queueId === 3) ? c1 : c2;
  assert.deepEqual((await owner.poll(2000)).map((m) => m.body.toString()), ['to-b3']);
  await c2.shutdown();
  await until(() => c1.assignment().length === 8);
  await c1.shutdown();
  await cluster.shutdown();
});

test('lite pull: async iteration, with offsets advancing as messages are taken', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const b = cluster.brokers[0]!;
  for (let i = 0; i < 6; i++) b.store('T', 2, `m${i}`);
  const consumer = lite(cluster, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', autoCommit: false, pullBatchSize: 4 });
  await consumer.assign([{ topic: 'T', brokerName: 'broker-a', queueId: 2 }]);
  await consumer.start();
  const seen: MessageExt[] = [];
  for await (const m of consumer) {
    seen.push(m);
    if (seen.length === 6) break;
  }
  assert.deepEqual(seen.map((m) => m.body.toString()), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  await consumer.commit();
  // The last message was not asked past, so it is not counted as consumed.
  assert.equal(b.offsets.get('G|T|2'), 5);
  await consumer.shutdown();
  await cluster.shutdown();
});

test('lite pull: pull failures are reported as events and retried, never thrown', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const events: ClientEvent[] = [];
  const consumer = lite(cluster, { onEvent: (e) => events.push(e), autoCommit: false });
  await consumer.assign([{ topic: 'T', brokerName: 'broker-a', queueId: 0 }]);
  cluster.down.add(cluster.brokers[0]!.addr);
  await consumer.start();
  await until(() => events.filter((e) => e.type === 'pull-error').length >= 2);
  cluster.down.delete(cluster.brokers[0]!.addr);
  cluster.brokers[0]!.store('T', 0, 'after');
  await consumer.seekToBegin({ topic: 'T', brokerName: 'broker-a', queueId: 0 });
  assert.deepEqual((await consumer.poll(2000)).map((m) => m.body.toString()), ['after']);
  await consumer.shutdown();
  await cluster.shutdown();
});

test('producer to consumer through the stub: what is sent is what is polled', async () => {
  const cluster = new StubCluster(2);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const producer = new Producer({ namesrvAddr: cluster.namesrv.addr, producerGroup: 'PG', connect: cluster.connect });
  const consumer = lite(cluster, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  await producer.start();
  await consumer.subscribe('T');
  await consumer.start();
  const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'T', body: `n${i}`, keys: `k${i}` })));
  const got: MessageExt[] = [];
  while (got.length < 20) got.push(...(await consumer.poll(2000)));
  assert.deepEqual(new Set(got.map((m) => m.msgId)), new Set(sent.map((r) => r.msgId)));
  assert.deepEqual(new Set(got.map((m) => m.offsetMsgId)), new Set(sent.map((r) => r.offsetMsgId)));
  await consumer.shutdown();
  await producer.shutdown();
  await cluster.shutdown();
});
