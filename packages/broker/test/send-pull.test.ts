import { test } from 'node:test';
import { connect, type Socket } from 'node:net';
import assert from 'node:assert/strict';
import { Prop, decodeRecords, encodeBatchBody, encodeBatchBodyRaw, createOffsetMsgId, encodeHost, tagsCode } from '@contrail/common';
import { FrameDecoder, RequestCode, ResponseCode, createRequest, encodeFrame, type RemotingCommand } from '@contrail/remoting';
import { createTopic, startBroker } from './broker-harness.js';

test('send then pull returns the stored bytes with a consistent msgId', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'T1');
    const sent = await h.send('T1', 'hello', { TAGS: 'TagA', KEYS: 'k1', WAIT: 'true' });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    assert.equal(sent.extFields.queueId, '0');
    assert.equal(sent.extFields.queueOffset, '0');
    assert.equal(sent.extFields.MSG_REGION, 'DefaultRegion');
    assert.equal(sent.extFields.TRACE_ON, 'true');
    assert.equal(sent.extFields.msgId?.length, 32);
    assert.equal(sent.flag & 1, 1);

    const pulled = await h.pull('T1', 0, 0);
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.equal(pulled.remark, 'FOUND');
    assert.deepEqual(
      [pulled.extFields.suggestWhichBrokerId, pulled.extFields.nextBeginOffset, pulled.extFields.minOffset, pulled.extFields.maxOffset],
      ['0', '1', '0', '1'],
    );
    const [m] = decodeRecords(pulled.body ?? Buffer.alloc(0), { checkCrc: true });
    assert.ok(m);
    assert.equal(m.body.toString(), 'hello');
    assert.equal(m.msgId, sent.extFields.msgId);
    assert.equal(m.storeHost, h.addr);
    assert.match(m.bornHost, /^127\.0\.0\.1:\d+$/);
    assert.equal(m.properties[Prop.CLUSTER], 'DefaultCluster');
    assert.equal(m.properties[Prop.WAIT], undefined);
    assert.equal(m.properties.TAGS, 'TagA');

    // The same record through VIEW_MESSAGE_BY_ID and QUERY_MESSAGE.
    const view = await h.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: m.physicalOffset });
    assert.equal(view.code, 0);
    assert.deepEqual(view.body, pulled.body);
    const q = await h.call(RequestCode.QUERY_MESSAGE, { topic: 'T1', key: 'k1', maxNum: 32, beginTimestamp: 0, endTimestamp: '9223372036854775807' });
    assert.equal(q.code, 0, q.remark);
    assert.equal(decodeRecords(q.body ?? Buffer.alloc(0))[0]?.msgId, m.msgId);
    const none = await h.call(RequestCode.QUERY_MESSAGE, { topic: 'T1', key: 'nope', maxNum: 32, beginTimestamp: 0, endTimestamp: Date.now() + 1000 });
    assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
    const missing = await h.call(RequestCode.VIEW_MESSAGE_BY_ID, { offset: 999999 });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);

    // Nothing more: 19 with all offset fields.
    const empty = await h.pull('T1', 0, 1);
    assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(empty.extFields.nextBeginOffset, '1');
    const fresh = await h.pull('T1', 1, 0);
    assert.equal(fresh.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(fresh.remark, 'NO_MESSAGE_IN_QUEUE');
    assert.equal(fresh.extFields.maxOffset, '0');
  } finally {
    await h.close();
  }
});

test('batch send stores one record per item with consecutive offsets', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'TB');
    const body = encodeBatchBody([
      { flag: 0, body: Buffer.from('one'), properties: { UNIQ_KEY: 'A' } },
      { flag: 7, body: Buffer.from('two'), properties: { UNIQ_KEY: 'B' } },
    ]);
    const res = await h.call(RequestCode.SEND_BATCH_MESSAGE, { a: 'P', b: 'TB', c: 'TBW102', d: 4, e: 1, f: 0, g: Date.now(), h: 0, i: 'WAIT\u0001true', j: 0, k: false, m: true }, body);
    assert.equal(res.code, 0, res.remark);
    assert.equal(res.extFields.msgId?.split(',').length, 2);
    const pulled = await h.pull('TB', 1, 0);
    const msgs = decodeRecords(pulled.body ?? Buffer.alloc(0), { checkCrc: true });
    assert.deepEqual(msgs.map((m) => [m.body.toString(), m.flag, m.queueOffset, m.properties.UNIQ_KEY, m.properties.CLUSTER]), [
      ['one', 0, 0, 'A', 'DefaultCluster'],
      ['two', 7, 1, 'B', 'DefaultCluster'],
    ]);
    assert.equal(res.extFields.msgId, msgs.map((m) => m.msgId).join(','));
  } finally {
    await h.close();
  }
});

test('server-side tag filtering by hash code', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'TT', 1);
    await h.send('TT', 'a', { TAGS: 'TagA' });
    await h.send('TT', 'b', { TAGS: 'TagB' });
    await h.send('TT', 'c', { TAGS: 'TagC' });
    const r = await h.pull('TT', 0, 0, { subscription: 'TagA || TagC' });
    assert.deepEqual(decodeRecords(r.body ?? Buffer.alloc(0)).map((m) => m.body.toString()), ['a', 'c']);
    assert.equal(r.extFields.nextBeginOffset, '3');
    const none = await h.pull('TT', 0, 0, { subscription: 'TagZ' });
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(none.extFields.nextBeginOffset, '3');
    // Registered subscription (no SUBSCRIPTION flag) comes from the heartbeat.
    const hb = {
      clientID: '127.0.0.1@1',
      consumerDataSet: [
        {
          groupName: 'GID_TAGS',
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: [{ topic: 'TT', subString: 'TagB', classFilterMode: false, tagsSet: ['TagB'], codeSet: [tagsCode('TagB')], subVersion: 5 }],
          unitMode: false,
        },
      ],
      producerDataSet: [],
    };
    assert.equal((await h.call(RequestCode.HEART_BEAT, {}, Buffer.from(JSON.stringify(hb)))).code, 0);
    const reg = await h.pull('TT', 0, 0, { consumerGroup: 'GID_TAGS', sysFlag: 0, subVersion: 5 });
    assert.deepEqual(decodeRecords(reg.body ?? Buffer.alloc(0)).map((m) => m.body.toString()), ['b']);
    const stale = await h.pull('TT', 0, 0, { consumerGroup: 'GID_TAGS', sysFlag: 0, subVersion: 6 });
    assert.equal(stale.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
    const unknown = await h.pull('TT', 0, 0, { consumerGroup: 'GID_NOBODY', sysFlag: 0 });
    assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
    assert.equal(unknown.extFields.nextBeginOffset, '0', 'offset fields even on errors');
  } finally {
    await h.close();
  }
});

test('long polling wakes on a send, after the send response, and times out otherwise', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'TL', 1);
    const started = Date.now();
    const timedOut = await h.pull('TL', 0, 0, { sysFlag: 6, suspendTimeoutMillis: 300 });
    assert.equal(timedOut.code, ResponseCode.PULL_NOT_FOUND);
    assert.ok(Date.now() - started >= 280, 'held for the suspend time');

    const events: string[] = [];
    const held = h.pull('TL', 0, 0, { sysFlag: 6, suspendTimeoutMillis: 5000 }).then((r) => {
      events.push('pull');
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const sent = h.send('TL', 'wake up').then((r) => {
      events.push('send');
      return r;
    });
    const [pulled] = await Promise.all([held, sent]);
    assert.ok(Date.now() - t0 < 1000, 'woken by the arrival, not the timeout');
    assert.equal(pulled.code, 0);
    assert.equal(decodeRecords(pulled.body ?? Buffer.alloc(0))[0]?.body.toString(), 'wake up');
    assert.deepEqual(events, ['send', 'pull']);
  } finally {
    await h.close();
  }
});

test('offsets: commit, query with the first-boot quirk, ignore negatives, max/min/time', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'TO', 2);
    const q = (queueId: number, extra = {}) => h.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'G1', topic: 'TO', queueId, ...extra });
    // Empty queue, no stored offset: 0 (as 4.9.7), unless the client asks for "not found".
    assert.deepEqual([(await q(0)).code, (await q(0)).extFields.offset], [0, '0']);
    assert.equal((await q(0, { setZeroIfNotFound: false })).code, ResponseCode.QUERY_NOT_FOUND);
    await h.send('TO', 'x');
    await h.send('TO', 'y');
    assert.equal((await q(0)).extFields.offset, '0', 'first message still there: 0');
    await h.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'G1', topic: 'TO', queueId: 0, commitOffset: 2 });
    assert.equal((await q(0)).extFields.offset, '2');
    await h.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'G1', topic: 'TO', queueId: 0, commitOffset: -1 });
    assert.equal((await q(0)).extFields.offset, '2', 'negative commit ignored');
    // A pull with COMMIT_OFFSET stores the piggybacked offset.
    await h.pull('TO', 0, 0, { consumerGroup: 'G1', sysFlag: 5, commitOffset: 1 });
    assert.equal((await q(0)).extFields.offset, '1');

    assert.equal((await h.call(RequestCode.GET_MAX_OFFSET, { topic: 'TO', queueId: 0 })).extFields.offset, '2');
    assert.equal((await h.call(RequestCode.GET_MIN_OFFSET, { topic: 'TO', queueId: 0 })).extFields.offset, '0');
    assert.equal((await h.call(RequestCode.GET_MAX_OFFSET, { topic: 'NOPE', queueId: 3 })).extFields.offset, '0');
    const byTime = await h.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { topic: 'TO', queueId: 0, timestamp: Date.now() + 60_000 });
    assert.equal(byTime.extFields.offset, '2');
    const earliest = await h.call(RequestCode.GET_EARLIEST_MSG_STORETIME, { topic: 'TO', queueId: 0 });
    assert.ok(Number(earliest.extFields.timestamp) > 0);
    const all = await h.call(RequestCode.GET_ALL_CONSUMER_OFFSET);
    assert.deepEqual(JSON.parse(all.body?.toString() ?? '{}'), { offsetTable: { 'TO@G1': { '0': 1 } } });
  } finally {
    await h.close();
  }
});

test('bad requests get their codes and the broker keeps serving', async () => {
  // rejectTransactionMessage: half messages are refused with NO_PERMISSION below.
  const h = await startBroker({ maxMessageSize: 1024, rejectTransactionMessage: true });
  try {
    await createTopic(h, 'TV', 2);
    const bad = async (p: Promise<{ code: number; remark?: string | undefined }>, code: number, re?: RegExp): Promise<void> => {
      const r = await p;
      assert.equal(r.code, code, r.remark);
      if (re) assert.match(r.remark ?? '', re);
    };
    await bad(h.send('bad topic!', 'x'), ResponseCode.SYSTEM_ERROR, /characters/);
    await bad(h.send('TV', 'x', {}, { e: 5 }), ResponseCode.SYSTEM_ERROR, /queueId\[5\] is illegal/);
    await bad(h.send('TV', Buffer.alloc(2048)), ResponseCode.MESSAGE_ILLEGAL, /body size/);
    await bad(h.send('TV', 'x', { BIG: 'v'.repeat(40_000) }), ResponseCode.MESSAGE_ILLEGAL, /properties length/);
    await bad(h.send('SCHEDULE_TOPIC_XXXX', 'x'), ResponseCode.NO_PERMISSION);
    await bad(h.send('TV', 'x', { TRAN_MSG: 'true' }), ResponseCode.NO_PERMISSION);
    await bad(h.send('UNKNOWN_T', 'x', {}, { c: '' }), ResponseCode.TOPIC_NOT_EXIST, /not exist, apply first please!/);
    await bad(
      h.call(RequestCode.SEND_BATCH_MESSAGE, { a: 'P', b: 'TV', c: 'TBW102', d: 4, e: 0, f: 0, g: 1, h: 0, i: '', j: 0, k: false, m: true }, Buffer.from('garbage!')),
      ResponseCode.MESSAGE_ILLEGAL,
      /bad batch body/,
    );
    // An item over maxMessageSize is named as such, not as a malformed body.
    const oversize = encodeBatchBodyRaw([
      { flag: 0, body: Buffer.from('ok'), properties: '' },
      { flag: 0, body: Buffer.alloc(2048), properties: '' },
    ]);
    await bad(
      h.call(RequestCode.SEND_BATCH_MESSAGE, { a: 'P', b: 'TV', c: 'TBW102', d: 4, e: 0, f: 0, g: 1, h: 0, i: '', j: 0, k: false, m: true }, oversize),
      ResponseCode.MESSAGE_ILLEGAL,
      /^batch item 1: the message body size 2048/,
    );
    await bad(h.call(RequestCode.SEND_MESSAGE_V2, { a: 'P', b: 'TV' }, Buffer.from('x')), ResponseCode.SYSTEM_ERROR, /<queueId> is null/);
    await bad(h.call(RequestCode.SEND_MESSAGE_V2, { a: 'P', b: 'TV', e: 'zero' }, Buffer.from('x')), ResponseCode.SYSTEM_ERROR, /not an integer/);
    await bad(h.pull('TV', 9, 0), ResponseCode.SYSTEM_ERROR, /queueId\[9\] is illegal/);
    await bad(h.pull('NOPE', 0, 0), ResponseCode.TOPIC_NOT_EXIST);
    await bad(h.call(RequestCode.HEART_BEAT, {}, Buffer.from('{not json')), ResponseCode.SYSTEM_ERROR);
    await bad(h.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'NONE' }), ResponseCode.SYSTEM_ERROR, /no consumer for this group, NONE/);
    await bad(h.call(9999), ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    // Still serving.
    const ok = await h.send('TV', 'fine');
    assert.equal(ok.code, 0);
  } finally {
    await h.close();
  }
});

test('TBW102 auto-creates a topic with min(d, default) queues; disabled means 17', async () => {
  const h = await startBroker({ defaultTopicQueueNums: 8 });
  try {
    const r = await h.send('AUTO_T', 'x', {}, { d: 3, e: 2 });
    assert.equal(r.code, 0, r.remark);
    const all = JSON.parse((await h.call(RequestCode.GET_ALL_TOPIC_CONFIG)).body?.toString() ?? '{}') as {
      topicConfigTable: Record<string, { readQueueNums: number; writeQueueNums: number; perm: number }>;
    };
    assert.deepEqual(all.topicConfigTable.AUTO_T && [all.topicConfigTable.AUTO_T.readQueueNums, all.topicConfigTable.AUTO_T.perm], [3, 6]);
    assert.equal(all.topicConfigTable.TBW102?.perm, 7);
  } finally {
    await h.close();
  }
  const off = await startBroker({ autoCreateTopicEnable: false });
  try {
    assert.equal((await off.send('AUTO_T', 'x')).code, ResponseCode.TOPIC_NOT_EXIST);
  } finally {
    await off.close();
  }
});

test('the msgId is store IPv4 + port + physical offset', async () => {
  const h = await startBroker();
  try {
    await createTopic(h, 'TM', 1);
    await h.send('TM', 'first');
    const second = await h.send('TM', 'second');
    const [m] = decodeRecords((await h.pull('TM', 0, 1)).body ?? Buffer.alloc(0));
    assert.ok(m);
    assert.equal(second.extFields.msgId, createOffsetMsgId(encodeHost(h.addr), m.physicalOffset));
  } finally {
    await h.close();
  }
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('pull responses queued behind a reader that does not read stay intact while their hot-tail memory is reused for appends', async () => {
  // 64 KiB segments make 64 KiB hot-tail chunks; the 4 MiB hot tail then turns over every 64 of them.
  const h = await startBroker({ memory: false, mappedFileSizeCommitLog: 64 * 1024, hotTailBytes: 4 * 1024 * 1024 });
  let sock: Socket | undefined;
  try {
    await createTopic(h, 'LeaseT', 1);
    const body = (n: number): string => `m${n} `.padEnd(1000, 'x');
    let sent = 0;
    const sendMany = async (n: number): Promise<void> => {
      for (let k = 0; k < n; k += 500) {
        const sends: Promise<RemotingCommand>[] = [];
        for (let i = 0; i < 500; i++) sends.push(h.send('LeaseT', body(sent++), {}, { e: 0 }));
        for (const r of await Promise.all(sends)) assert.equal(r.code, 0);
      }
    };
    await sendMany(6000);
    // 188 pulls on a raw connection whose reader is paused: the responses, the newest 4 MiB of
    // them leased from the hot tail, back up in the broker's write buffer.
    const raw = connect({ host: '127.0.0.1', port: h.broker.port });
    sock = raw;
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.pause();
    const offsets: number[] = [];
    const frames: Buffer[] = [];
    for (let off = 0; off < 6000; off += 32) {
      const req = createRequest(RequestCode.PULL_MESSAGE, {
        consumerGroup: 'GID_TEST',
        topic: 'LeaseT',
        queueId: '0',
        queueOffset: String(off),
        maxMsgNums: '32',
        sysFlag: '4',
        commitOffset: '0',
        suspendTimeoutMillis: '0',
        subscription: '*',
        subVersion: '0',
      });
      req.opaque = offsets.length;
      offsets.push(off);
      frames.push(encodeFrame(req));
    }
    raw.write(Buffer.concat(frames));
    await until(() => h.broker.store.stats().getMessageTimes >= offsets.length);
    // 12 MiB more: the hot tail turns over three times while those responses wait.
    await sendMany(12000);
    assert.ok(h.broker.store.stats().hotTailRecycledChunks > 0, 'hot-tail memory was reused meanwhile');
    const got: RemotingCommand[] = [];
    const decoder = new FrameDecoder((c) => got.push(c));
    raw.on('data', (d: Buffer) => decoder.push(d));
    raw.resume();
    await until(() => got.length === offsets.length);
    let bad = 0;
    for (const res of got) {
      assert.equal(res.code, 0);
      let q = offsets[res.opaque] as number;
      const records = decodeRecords(res.body ?? Buffer.alloc(0), { checkCrc: true });
      assert.equal(records.length, Math.min(32, 6000 - q));
      for (const m of records) {
        if (m.queueOffset !== q || m.body.toString() !== body(q)) bad++;
        q++;
      }
    }
    assert.equal(bad, 0, 'records changed while their response waited');
  } finally {
    sock?.destroy();
    await h.close();
  }
});
