import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchBodyRaw, decodeOffsetMsgId, decodeProperties, SysFlag } from '@contrail/common';
import { RequestCode } from '@contrail/remoting';
import { Producer, type ClientEvent, type ProducerOptions } from '../src/index.js';
import { StubCluster } from './stub-cluster.js';

function setup(options: Partial<ProducerOptions> = {}, brokers = 2): { cluster: StubCluster; producer: Producer; events: ClientEvent[] } {
  const cluster = new StubCluster(brokers);
  cluster.namesrv.setRoute('T', cluster.brokers);
  const events: ClientEvent[] = [];
  const producer = new Producer({
    namesrvAddr: cluster.namesrv.addr,
    producerGroup: 'PG',
    connect: cluster.connect,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { cluster, producer, events };
}

async function done(cluster: StubCluster, producer: Producer): Promise<void> {
  await producer.shutdown();
  await cluster.shutdown();
}

test('send: SEND_MESSAGE_V2 with string headers, UNIQ_KEY msgId, offset id of the store', async () => {
  const { cluster, producer } = setup({ batchWithinTurn: false });
  await producer.start();
  const r = await producer.send({ topic: 'T', body: 'hello', tags: 'TagA', keys: 'k1' });
  assert.equal(r.status, 'SEND_OK');
  assert.match(r.msgId, /^[0-9A-F]{32}$/);
  const broker = cluster.broker(r.messageQueue.brokerName);
  assert.equal(decodeOffsetMsgId(r.offsetMsgId).address, broker.addr);
  const req = broker.requests.find((x) => x.code === RequestCode.SEND_MESSAGE_V2);
  assert.ok(req);
  assert.equal(req.extFields.a, 'PG');
  assert.equal(req.extFields.e, String(r.messageQueue.queueId));
  const props = decodeProperties(req.extFields.i ?? '');
  assert.deepEqual([props.TAGS, props.KEYS, props.UNIQ_KEY], ['TagA', 'k1', r.msgId]);
  await done(cluster, producer);
});

test('send: retries on the other broker after a retriable failure, and then avoids the failed one', async () => {
  const { cluster, producer } = setup({ batchWithinTurn: false });
  await producer.start();
  const a = cluster.broker('broker-a');
  const b = cluster.broker('broker-b');
  a.failSends = [14, 14, 14, 14];
  b.failSends = [14, 14, 14, 14];
  // Whichever broker comes first fails; the retry goes to the other, which fails once too.
  // With 2 retries the third attempt (back on the first) fails again: all attempts used up.
  await assert.rejects(producer.send({ topic: 'T', body: 'x' }), { code: 'SERVICE_NOT_AVAILABLE' });
  assert.equal(a.count(RequestCode.SEND_MESSAGE_V2) + b.count(RequestCode.SEND_MESSAGE_V2), 3);
  a.failSends = [];
  b.failSends = [17];
  const attemptsBefore = a.count(RequestCode.SEND_MESSAGE_V2) + b.count(RequestCode.SEND_MESSAGE_V2);
  const r = await producer.send({ topic: 'T', body: 'y' });
  assert.equal(r.status, 'SEND_OK');
  assert.equal(r.messageQueue.brokerName, 'broker-a');
  assert.ok(a.count(RequestCode.SEND_MESSAGE_V2) + b.count(RequestCode.SEND_MESSAGE_V2) - attemptsBefore <= 2);
  // broker-b failed last: it is avoided while a healthy broker remains.
  for (let i = 0; i < 6; i++) assert.equal((await producer.send({ topic: 'T', body: String(i) })).messageQueue.brokerName, 'broker-a');
  await done(cluster, producer);
});

test('send: a non-retriable failure is thrown at once', async () => {
  const { cluster, producer } = setup({ batchWithinTurn: false }, 1);
  await producer.start();
  cluster.brokers[0]!.failSends = [13];
  await assert.rejects(producer.send({ topic: 'T', body: 'x' }), { code: 'MESSAGE_ILLEGAL', retriable: false });
  assert.equal(cluster.brokers[0]!.count(RequestCode.SEND_MESSAGE_V2), 1);
  await done(cluster, producer);
});

test('send: a broker that does not answer costs the send its timeout; the next send goes elsewhere', async () => {
  const { cluster, producer } = setup({ batchWithinTurn: false, sendMsgTimeout: 300 });
  await producer.start();
  await producer.send({ topic: 'T', body: 'warm' });
  const a = cluster.broker('broker-a');
  a.silent = true;
  let timedOut = 0;
  for (let i = 0; i < 4; i++) {
    try {
      const r = await producer.send({ topic: 'T', body: 'x' });
      assert.equal(r.messageQueue.brokerName, 'broker-b');
    } catch (err) {
      assert.equal((err as { code: string }).code, 'REQUEST_TIMEOUT');
      timedOut++;
    }
  }
  assert.ok(timedOut <= 1, `timed out ${timedOut} times`);
  a.silent = false;
  await done(cluster, producer);
});

test('send: no time budget (timeoutMs 0) fails with REQUEST_TIMEOUT without sending, also once the route is cached', async () => {
  const { cluster, producer } = setup({ batchWithinTurn: false }, 1);
  await producer.start();
  await producer.send({ topic: 'T', body: 'warm' });
  const sent = cluster.brokers[0]!.count(RequestCode.SEND_MESSAGE_V2);
  for (let i = 0; i < 3; i++) await assert.rejects(producer.send({ topic: 'T', body: 'x' }, { timeoutMs: 0 }), { code: 'REQUEST_TIMEOUT' });
  assert.equal(cluster.brokers[0]!.count(RequestCode.SEND_MESSAGE_V2), sent);
  await done(cluster, producer);
});

test('send: unknown topic fails with TOPIC_NOT_EXIST; a downed NameServer is skipped', async () => {
  const cluster = new StubCluster(1);
  cluster.namesrv.setRoute('T', cluster.brokers, true);
  const producer = new Producer({ namesrvAddr: ['127.0.0.99:9876', cluster.namesrv.addr], producerGroup: 'PG', connect: cluster.connect });
  await producer.start();
  await assert.rejects(producer.send({ topic: 'Nope', body: 'x' }), { code: 'TOPIC_NOT_EXIST' });
  // The fastjson-style route (unquoted brokerAddrs keys) works as well.
  assert.equal((await producer.send({ topic: 'T', body: 'x' })).status, 'SEND_OK');
  await done(cluster, producer);
});

test('send: bodies of 4 KiB and more travel zlib-compressed with sysFlag 0x301', async () => {
  const { cluster, producer } = setup({}, 1);
  await producer.start();
  const body = Buffer.alloc(8192, 'z');
  await producer.send({ topic: 'T', body });
  const req = cluster.brokers[0]!.requests.find((x) => x.code === RequestCode.SEND_MESSAGE_V2);
  assert.equal(req?.extFields.f, String(SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB));
  assert.ok((req?.body?.length ?? Infinity) < 200);
  await done(cluster, producer);
});

test('sends in one turn leave as one SEND_BATCH_MESSAGE; each gets its own result', async () => {
  const { cluster, producer } = setup({}, 1);
  await producer.start();
  await producer.send({ topic: 'T', body: 'warm-up' });
  const broker = cluster.brokers[0]!;
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'T', body: `m${i}`, tags: `t${i}` })));
  const batches = broker.requests.filter((x) => x.code === RequestCode.SEND_BATCH_MESSAGE);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]?.extFields.m, 'true');
  const items = decodeBatchBodyRaw(batches[0]?.body ?? Buffer.alloc(0));
  assert.deepEqual(items.map((i) => i.body.toString()), results.map((_, i) => `m${i}`));
  const q = results[0]!.messageQueue;
  results.forEach((r, i) => {
    assert.equal(r.status, 'SEND_OK');
    assert.equal(r.msgId, decodeProperties(items[i]?.properties ?? '').UNIQ_KEY);
    assert.deepEqual(r.messageQueue, q);
    assert.equal(r.queueOffset, results[0]!.queueOffset + i);
  });
  assert.equal(new Set(results.map((r) => r.offsetMsgId)).size, 10);
  // What the broker stored under each offset id is the message that send was for.
  const stored = broker.queue('T', q.queueId);
  for (const r of results) assert.equal(decodeOffsetMsgId(r.offsetMsgId).physicalOffset, Number(stored[r.queueOffset]?.record.readBigInt64BE(28)));
  await done(cluster, producer);
});

test('a failing coalesced batch fails every send in it; the callback form reports each', async () => {
  const { cluster, producer } = setup({ retryTimesWhenSendFailed: 0 }, 1);
  await producer.start();
  await producer.send({ topic: 'T', body: 'warm-up' });
  cluster.brokers[0]!.failSends = [16];
  const errors = await new Promise<(Error | undefined)[]>((resolve) => {
    const out: (Error | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      producer.sendCallback({ topic: 'T', body: 'x' }, (err) => {
        out.push(err);
        if (out.length === 3) resolve(out);
      });
    }
  });
  assert.deepEqual(errors.map((e) => (e as { code?: string } | undefined)?.code), ['NO_PERMISSION', 'NO_PERMISSION', 'NO_PERMISSION']);
  await done(cluster, producer);
});

test('ordered sends: selector and sharding key pin the queue and are not coalesced', async () => {
  const { cluster, producer } = setup();
  await producer.start();
  const queues = await producer.publishQueues('T');
  assert.equal(queues.length, 8);
  const picked = await Promise.all(
    Array.from({ length: 6 }, (_, i) => producer.send({ topic: 'T', body: String(i) }, { selector: (qs, _m, arg: number) => qs[arg % qs.length]!, arg: 5 })),
  );
  for (const r of picked) assert.deepEqual(r.messageQueue, queues[5]);
  const byKey = await Promise.all(Array.from({ length: 4 }, () => producer.send({ topic: 'T', body: 'o' }, { shardingKey: 'order-7' })));
  assert.equal(new Set(byKey.map((r) => `${r.messageQueue.brokerName}:${r.messageQueue.queueId}`)).size, 1);
  assert.equal(cluster.brokers.reduce((n, b) => n + b.count(RequestCode.SEND_BATCH_MESSAGE), 0), 0);
  await done(cluster, producer);
});

test('sendBatch: one frame, results per message; rejects mixed topics and delays', async () => {
  const { cluster, producer } = setup({}, 1);
  cluster.namesrv.setRoute('U', cluster.brokers);
  await producer.start();
  const results = await producer.sendBatch([{ topic: 'T', body: 'a' }, { topic: 'T', body: 'b', keys: ['x'] }]);
  assert.equal(results.length, 2);
  assert.equal(results[1]!.queueOffset, results[0]!.queueOffset + 1);
  assert.equal(cluster.brokers[0]!.count(RequestCode.SEND_BATCH_MESSAGE), 1);
  await assert.rejects(producer.sendBatch([{ topic: 'T', body: 'a' }, { topic: 'U', body: 'b' }]), { code: 'MESSAGE_ILLEGAL' });
  await assert.rejects(producer.sendBatch([{ topic: 'T', body: 'a', properties: { DELAY: '2' } }]), { code: 'MESSAGE_ILLEGAL' });
  await assert.rejects(producer.sendBatch([]), { code: 'MESSAGE_ILLEGAL' });
  await done(cluster, producer);
});

test('oneway, heartbeat with the producer group, UNREGISTER_CLIENT on shutdown, lifecycle errors', async () => {
  const { cluster, producer } = setup({}, 1);
  await assert.rejects(producer.send({ topic: 'T', body: 'x' }), { code: 'CLIENT_STATE' });
  await producer.start();
  await producer.sendOneway({ topic: 'T', body: 'one-way' });
  const broker = cluster.brokers[0]!;
  for (let i = 0; i < 50 && broker.count(RequestCode.SEND_MESSAGE_V2) === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(broker.count(RequestCode.SEND_MESSAGE_V2), 1);
  for (let i = 0; i < 50 && broker.count(RequestCode.HEART_BEAT) === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const hb = broker.requests.find((r) => r.code === RequestCode.HEART_BEAT);
  assert.deepEqual(JSON.parse(hb?.body?.toString() ?? '{}').producerDataSet, [{ groupName: 'PG' }]);
  await producer.shutdown();
  const unreg = broker.requests.find((r) => r.code === RequestCode.UNREGISTER_CLIENT);
  assert.equal(unreg?.extFields.producerGroup, 'PG');
  assert.equal(unreg?.extFields.clientID, producer.clientId);
  await assert.rejects(producer.send({ topic: 'T', body: 'x' }), { code: 'CLIENT_STATE' });
  await cluster.shutdown();
});

test('coalesced frames reuse their buffers: round after round every message arrives as sent', async () => {
  const { cluster, producer } = setup({ maxBatchBytes: 256 * 1024 }, 1);
  await producer.start();
  await producer.send({ topic: 'T', body: 'warm-up' });
  const broker = cluster.brokers[0]!;
  // 100 bodies of 600-1,500 bytes: frames of about 120 KiB, so they go into pooled slabs.
  const bodyOf = (round: number, i: number): Buffer => Buffer.alloc(600 + ((round * 37 + i * 11) % 900), `${round}:${i}|`);
  for (let round = 0; round < 20; round++) {
    // Bodies of different lengths each round, so a frame written over an older one's slab
    // would show the older bytes.
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic: 'T', body: bodyOf(round, i) })));
    assert.equal(results.length, 100);
  }
  const frames = broker.requests.filter((x) => x.code === RequestCode.SEND_BATCH_MESSAGE);
  assert.ok(frames.every((f) => (f.body?.length ?? 0) >= 64 * 1024), 'every frame is large enough to be pooled');
  const items = frames.flatMap((r) => decodeBatchBodyRaw(r.body ?? Buffer.alloc(0)));
  assert.equal(items.length, 20 * 100);
  items.forEach((item, k) => {
    const round = Math.floor(k / 100);
    const i = k % 100;
    assert.ok(item.body.equals(bodyOf(round, i)), `round ${round} message ${i}`);
  });
  await done(cluster, producer);
});
