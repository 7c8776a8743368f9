// The SDK and the admin operations against a real in-process cluster: one NameServer and two
// brokers (memory stores) on ephemeral loopback ports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient } from '@contrail/admin';
import { Broker } from '@contrail/broker';
import { LitePullConsumer, Producer, PullConsumer, type MessageExt, type SendResult } from '@contrail/client';
import { NameServer } from '@contrail/namesrv';
import { MemoryMessageStore } from '@contrail/store';

let namesrv: NameServer;
let namesrvAddr: string;
const brokers: Broker[] = [];
let dir: string;
let admin: AdminClient;

async function eventually<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function createTopic(topic: string, queues = 4, order = false): Promise<void> {
  await admin.createTopic({ topic, readQueueNums: queues, writeQueueNums: queues, clusterName: 'SdkCluster', order });
  await eventually(async () => ((await admin.topicRoute(topic)).queueDatas.length === 2 ? true : undefined));
}

before(async () => {
  namesrv = new NameServer({ host: '127.0.0.1', port: 0 });
  await namesrv.start();
  namesrvAddr = `127.0.0.1:${namesrv.port}`;
  dir = await mkdtemp(join(tmpdir(), 'contrail-sdk-'));
  for (const name of ['broker-a', 'broker-b']) {
    const broker = new Broker({
      brokerName: name,
      brokerClusterName: 'SdkCluster',
      listenPort: 0,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      storePathRootDir: join(dir, name),
      namesrvAddr: [namesrvAddr],
      messageStore: (c) => new MemoryMessageStore(c),
    });
    await broker.start();
    brokers.push(broker);
  }
  admin = new AdminClient({ namesrvAddr });
  await eventually(async () => (Object.keys((await admin.clusterInfo()).brokerAddrTable).length === 2 ? true : undefined));
});

after(async () => {
  await admin.shutdown();
  for (const b of brokers) await b.shutdown();
  await namesrv.shutdown();
  await rm(dir, { recursive: true, force: true });
});

test('admin: cluster info, createTopic on every master of the cluster, route, topic list', async () => {
  const info = await admin.clusterInfo();
  assert.deepEqual([...(info.clusterAddrTable.SdkCluster ?? [])].sort(), ['broker-a', 'broker-b']);
  await createTopic('SDK_ADMIN', 3);
  const route = await admin.topicRoute('SDK_ADMIN');
  assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]).sort(), [
    ['broker-a', 3, 3, 6],
    ['broker-b', 3, 3, 6],
  ]);
  assert.ok((await admin.topicList()).includes('SDK_ADMIN'));
  await assert.rejects(admin.topicRoute('SDK_NO_SUCH_TOPIC'), { code: 'TOPIC_NOT_EXIST' });
});

test('producer → lite pull consumer: single, coalesced, batch, compressed and ordered sends all arrive intact', async () => {
  await createTopic('SDK_FLOW');
  const producer = new Producer({ namesrvAddr, producerGroup: 'PG_SDK' });
  const consumer = new LitePullConsumer({ namesrvAddr, consumerGroup: 'G_SDK_FLOW', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  await producer.start();
  await consumer.subscribe('SDK_FLOW', '*');
  await consumer.start();
  try {
    const sent: SendResult[] = [];
    const bodies = new Map<string, string>();
    const track = (r: SendResult, body: string): void => {
      sent.push(r);
      bodies.set(r.msgId, body);
    };
    track(await producer.send({ topic: 'SDK_FLOW', body: 'single', tags: 'A', keys: 'key-single' }), 'single');
    const turn = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'SDK_FLOW', body: `turn-${i}`, tags: 'B' })));
    turn.forEach((r, i) => track(r, `turn-${i}`));
    // One turn's sends share a queue and have consecutive offsets.
    assert.equal(new Set(turn.map((r) => `${r.messageQueue.brokerName}:${r.messageQueue.queueId}`)).size, 1);
    turn.forEach((r, i) => assert.equal(r.queueOffset, turn[0]!.queueOffset + i));
    const batch = await producer.sendBatch([0, 1, 2].map((i) => ({ topic: 'SDK_FLOW', body: `batch-${i}` })));
    batch.forEach((r, i) => track(r, `batch-${i}`));
    const big = 'x'.repeat(10_000);
    track(await producer.send({ topic: 'SDK_FLOW', body: big }), big);
    const ordered = [];
    for (let i = 0; i < 5; i++) ordered.push(await producer.send({ topic: 'SDK_FLOW', body: `order-${i}` }, { shardingKey: 'order-1' }));
    ordered.forEach((r, i) => track(r, `order-${i}`));
    assert.equal(new Set(ordered.map((r) => `${r.messageQueue.brokerName}:${r.messageQueue.queueId}`)).size, 1);

    const got = new Map<string, MessageExt>();
    const deadline = Date.now() + 10_000;
    while (got.size < sent.length && Date.now() < deadline) {
      for (const m of await consumer.poll(500)) got.set(m.msgId, m);
    }
    assert.equal(got.size, sent.length);
    for (const r of sent) {
      const m = got.get(r.msgId);
      assert.ok(m, `message ${r.msgId} not consumed`);
      assert.equal(m.body.toString(), bodies.get(r.msgId));
      assert.equal(m.offsetMsgId, r.offsetMsgId);
      assert.equal(m.queueOffset, r.queueOffset);
      assert.equal(m.brokerName, r.messageQueue.brokerName);
    }
    const orderedGot = ordered.map((r) => got.get(r.msgId)!.queueOffset);
    assert.deepEqual(orderedGot, [...orderedGot].sort((a, b) => a - b));
    await consumer.commit();
    const mq = sent[0]!.messageQueue;
    assert.ok((await consumer.committed(mq)) > sent[0]!.queueOffset);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('pull consumer against the broker: statuses and tag filtering', async () => {
  await createTopic('SDK_PULL', 1);
  const producer = new Producer({ namesrvAddr, producerGroup: 'PG_SDK_PULL' });
  const consumer = new PullConsumer({ namesrvAddr, consumerGroup: 'G_SDK_PULL' });
  await producer.start();
  await consumer.start();
  try {
    const mq = (await producer.send({ topic: 'SDK_PULL', body: 'a', tags: 'TagA' }, { shardingKey: 'k' })).messageQueue;
    await producer.send({ topic: 'SDK_PULL', body: 'b', tags: 'TagB' }, { queue: mq });
    await producer.send({ topic: 'SDK_PULL', body: 'a2', tags: 'TagA' }, { queue: mq });
    const all = await consumer.pull(mq, '*', 0, 32);
    assert.equal(all.status, 'FOUND');
    assert.deepEqual(all.messages.map((m) => m.body.toString()), ['a', 'b', 'a2']);
    assert.equal(all.nextBeginOffset, 3);
    assert.equal(all.messages[0]?.properties.MAX_OFFSET, '3');
    const a = await consumer.pull(mq, 'TagA', 0, 32);
    assert.deepEqual(a.messages.map((m) => m.body.toString()), ['a', 'a2']);
    assert.equal((await consumer.pull(mq, '*', 3, 32)).status, 'NO_NEW_MSG');
    assert.equal((await consumer.pull(mq, 'TagZ', 0, 32)).status, 'NO_MATCHED_MSG');
    assert.equal((await consumer.pull(mq, '*', 50, 32)).status, 'OFFSET_ILLEGAL');
    assert.equal(await consumer.maxOffset(mq), 3);
    await consumer.updateConsumeOffset(mq, 2);
    assert.equal(await consumer.fetchConsumeOffset(mq), 2);
    // Long polling: the held pull returns as soon as a message arrives.
    const held = consumer.pullBlockIfNotFound(mq, '*', 3, 32);
    await new Promise((r) => setTimeout(r, 100));
    await producer.send({ topic: 'SDK_PULL', body: 'late' }, { queue: mq });
    const late = await held;
    assert.deepEqual([late.status, late.messages[0]?.body.toString()], ['FOUND', 'late']);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('admin: view by offset id, query by key and by UNIQ_KEY', async () => {
  await createTopic('SDK_QUERY', 2);
  const producer = new Producer({ namesrvAddr, producerGroup: 'PG_SDK_Q' });
  await producer.start();
  try {
    const r = await producer.send({ topic: 'SDK_QUERY', body: 'find me', keys: ['order-9', 'user-3'], tags: 'T' });
    await producer.send({ topic: 'SDK_QUERY', body: 'other', keys: 'order-10' });
    const viewed = await admin.viewMessage(r.offsetMsgId);
    assert.equal(viewed.body.toString(), 'find me');
    assert.equal(viewed.msgId, r.msgId);
    assert.equal(viewed.brokerName, r.messageQueue.brokerName);
    const byKey = await eventually(async () => {
      const found = await admin.queryMessageByKey('SDK_QUERY', 'user-3', 32, 0, Date.now() + 1000);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(byKey.map((m) => m.msgId), [r.msgId]);
    const byUniq = await eventually(async () => {
      const found = await admin.queryMessageByUniqKey('SDK_QUERY', r.msgId);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(byUniq[0]?.offsetMsgId, r.offsetMsgId);
    assert.deepEqual(await admin.queryMessageByKey('SDK_QUERY', 'nobody', 32, 0, Date.now() + 1000), []);
  } finally {
    await producer.shutdown();
  }
});

test('two lite pull consumers in one group split the queues and re-split when one leaves', async () => {
  await createTopic('SDK_GROUP', 4);
  const opts = { namesrvAddr, consumerGroup: 'G_SDK_GROUP', rebalanceIntervalMs: 60_000 };
  const c1 = new LitePullConsumer(opts);
  const c2 = new LitePullConsumer(opts);
  await c1.subscribe('SDK_GROUP');
  await c1.start();
  assert.equal(c1.assignment().length, 8);
  await c2.subscribe('SDK_GROUP');
  await c2.start();
  try {
    await eventually(async () => (c1.assignment().length === 4 && c2.assignment().length === 4 ? true : undefined));
    const owned = new Set([...c1.assignment(), ...c2.assignment()].map((q) => `${q.brokerName}:${q.queueId}`));
    assert.equal(owned.size, 8);
    await c2.shutdown();
    await eventually(async () => (c1.assignment().length === 8 ? true : undefined));
  } finally {
    await c1.shutdown();
    await c2.shutdown();
  }
});
