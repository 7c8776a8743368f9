import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { ContrailError, Prop, SysFlag, decodeBatchBodyRaw, decodeProperties, decodeRecord, encodeHost, encodeProperties, encodeRecord } from '@contrail/common';
import { buildSendHeaderV2 } from '../src/send-header.js';
import { isRetriableSendError, sendResultsOf } from '../src/send-result.js';
import { prepareMessage } from '../src/outgoing-message.js';
import { buildPullHeader, pullResultOf } from '../src/pull-result.js';
import { buildPullSysFlag } from '../src/pull-sys-flag.js';
import { buildSubscription, decodeMessages, matchesTags, messageFields, toMessageExt } from '../src/index.js';
import { encodeHeartbeat } from '../src/heartbeat-data.js';

const limits = { maxMessageSize: 4 * 1024 * 1024, compressOver: 4096 };

test('send header: short names a..n, every value a string', () => {
  const h = buildSendHeaderV2({
    producerGroup: 'PG',
    topic: 'T',
    queueId: 3,
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    flag: 7,
    properties: 'TAGS\u0001A',
    brokerName: 'broker-a',
  });
  assert.deepEqual(h, {
    a: 'PG', b: 'T', c: 'TBW102', d: '4', e: '3', f: '0', g: '1700000000000', h: '7', i: 'TAGS\u0001A', j: '0', k: 'false', m: 'false', n: 'broker-a',
  });
  for (const v of Object.values(h)) assert.equal(typeof v, 'string');
  const retry = buildSendHeaderV2({ producerGroup: 'PG', topic: '%RETRY%G', queueId: 0, sysFlag: 0, bornTimestamp: 1, flag: 0, properties: '', maxReconsumeTimes: 16, reconsumeTimes: 2, batch: true });
  assert.equal(retry.l, '16');
  assert.equal(retry.j, '2');
  assert.equal(retry.m, 'true');
  assert.equal(buildSendHeaderV2({ producerGroup: 'PG', topic: 'T', queueId: 0, sysFlag: 0, bornTimestamp: 1, flag: 0, properties: '', maxReconsumeTimes: 16 }).l, undefined);
});

test('prepared message: UNIQ_KEY, tags, keys, compression over the threshold', () => {
  const m = prepareMessage({ topic: 'T', body: 'hello', tags: 'TagA', keys: ['k1', 'k2'] }, limits);
  assert.equal(m.properties[Prop.TAGS], 'TagA');
  assert.equal(m.properties[Prop.KEYS], 'k1 k2');
  assert.match(m.uniqId, /^[0-9A-F]{32}$/);
  assert.equal(decodeProperties(m.propertiesText)[Prop.UNIQ_KEY], m.uniqId);
  assert.equal(m.sysFlag, 0);
  assert.equal(m.batchable, true);
  const big = Buffer.alloc(5000, 'a');
  const c = prepareMessage({ topic: 'T', body: big }, limits);
  assert.equal(c.sysFlag, SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB);
  assert.deepEqual(inflateSync(c.body), big);
  assert.equal(c.batchable, false);
  const delayed = prepareMessage({ topic: 'T', body: 'x', properties: { DELAY: '3' } }, limits);
  assert.equal(delayed.batchable, false);
  const own = prepareMessage({ topic: 'T', body: 'x', properties: { UNIQ_KEY: 'MINE' } }, limits);
  assert.equal(own.uniqId, 'MINE');
  assert.throws(() => prepareMessage({ topic: 'T', body: '' }, limits), { code: 'MESSAGE_ILLEGAL' });
  assert.throws(() => prepareMessage({ topic: 'bad topic', body: 'x' }, limits), { code: 'MESSAGE_ILLEGAL' });
  assert.throws(() => prepareMessage({ topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }, limits), { code: 'MESSAGE_ILLEGAL' });
  assert.throws(() => prepareMessage({ topic: 'T', body: 'xx' }, { ...limits, maxMessageSize: 1 }), { code: 'MESSAGE_ILLEGAL' });
});

test('send results: single and batch (comma-joined offset ids, consecutive offsets)', () => {
  const mq = { topic: 'T', brokerName: 'b', queueId: 1 };
  const [one] = sendResultsOf({ code: 0, extFields: { msgId: 'OFF1', queueId: '1', queueOffset: '5' } }, mq, ['U1']);
  assert.deepEqual(one, { status: 'SEND_OK', msgId: 'U1', offsetMsgId: 'OFF1', messageQueue: mq, queueOffset: 5 });
  const batch = sendResultsOf({ code: 10, extFields: { msgId: 'O1,O2,O3', queueId: '1', queueOffset: '7' } }, mq, ['U1', 'U2', 'U3']);
  assert.deepEqual(batch.map((r) => [r.status, r.msgId, r.offsetMsgId, r.queueOffset]), [
    ['FLUSH_DISK_TIMEOUT', 'U1', 'O1', 7],
    ['FLUSH_DISK_TIMEOUT', 'U2', 'O2', 8],
    ['FLUSH_DISK_TIMEOUT', 'U3', 'O3', 9],
  ]);
  assert.equal(sendResultsOf({ code: 12, extFields: {} }, mq, ['U'])[0]?.status, 'FLUSH_SLAVE_TIMEOUT');
  assert.equal(sendResultsOf({ code: 11, extFields: {} }, mq, ['U'])[0]?.status, 'SLAVE_NOT_AVAILABLE');
  assert.throws(() => sendResultsOf({ code: 13, remark: 'too big', extFields: {} }, mq, ['U']), { code: 'MESSAGE_ILLEGAL', message: 'too big' });
});

test('retriable send failures: 17 14 1 16 204 205 2 and transport errors', () => {
  for (const code of [17, 14, 1, 16, 204, 205, 2]) assert.equal(isRetriableSendError(ContrailError.fromResponse(code, 'x')), true, String(code));
  for (const code of [13, 3, 15, 26]) assert.equal(isRetriableSendError(ContrailError.fromResponse(code, 'x')), false, String(code));
  for (const code of ['REQUEST_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECT_FAILED'] as const) assert.equal(isRetriableSendError(new ContrailError(code, 'x')), true);
  assert.equal(isRetriableSendError(new Error('x')), false);
});

function record(topic: string, queueOffset: number, props: Record<string, string>, body = 'b', sysFlag = 0): Buffer {
  return encodeRecord({
    queueId: 2,
    flag: 0,
    queueOffset,
    physicalOffset: 1000 + queueOffset,
    sysFlag,
    bornTimestamp: 1,
    bornHost: encodeHost('10.0.0.1:1234'),
    storeTimestamp: 2,
    storeHost: encodeHost('10.0.0.2:10911'),
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from(body),
    topic: Buffer.from(topic),
    properties: Buffer.from(encodeProperties(props)),
  });
}

test('pull: status mapping, offsets, client-side tag filtering, MIN/MAX_OFFSET', () => {
  const mq = { topic: 'T', brokerName: 'broker-a', queueId: 2 };
  const sub = buildSubscription('T', 'TagA || TagB');
  const ext = { suggestWhichBrokerId: '0', nextBeginOffset: '13', minOffset: '0', maxOffset: '20' };
  const body = Buffer.concat([
    record('T', 10, { TAGS: 'TagA', UNIQ_KEY: 'U10' }),
    record('T', 11, { TAGS: 'TagC' }),
    record('T', 12, {}),
  ]);
  const found = pullResultOf({ code: 0, extFields: ext, body }, mq, sub);
  assert.equal(found.status, 'FOUND');
  assert.equal(found.nextBeginOffset, 13);
  assert.equal(found.maxOffset, 20);
  assert.deepEqual(found.messages.map((m) => m.queueOffset), [10]);
  const m = found.messages[0];
  assert.equal(m?.msgId, 'U10');
  assert.equal(m?.offsetMsgId, '0A00000200002A9F00000000000003F2');
  assert.equal(m?.brokerName, 'broker-a');
  assert.equal(m?.properties.MIN_OFFSET, '0');
  assert.equal(m?.properties.MAX_OFFSET, '20');
  assert.equal(pullResultOf({ code: 0, extFields: ext, body }, mq, buildSubscription('T', '*')).messages.length, 3);
  assert.equal(pullResultOf({ code: 19, extFields: ext }, mq, sub).status, 'NO_NEW_MSG');
  assert.equal(pullResultOf({ code: 20, extFields: ext }, mq, sub).status, 'NO_MATCHED_MSG');
  const moved = pullResultOf({ code: 21, extFields: { ...ext, nextBeginOffset: '4' } }, mq, sub);
  assert.deepEqual([moved.status, moved.nextBeginOffset], ['OFFSET_ILLEGAL', 4]);
  assert.throws(() => pullResultOf({ code: 24, remark: 'no sub', extFields: ext }, mq, sub), { code: 'SUBSCRIPTION_NOT_EXIST' });
  // Missing fields (a broker that forgets them) read as 0, never NaN.
  assert.equal(pullResultOf({ code: 19, extFields: {} }, mq, sub).nextBeginOffset, 0);
});

test('decoded messages: compressed bodies inflated, offset id when there is no UNIQ_KEY, keys split', async () => {
  const { deflateSync } = await import('node:zlib');
  const buf = Buffer.concat([
    encodeRecordWithBody(deflateSync(Buffer.from('hello zlib')), SysFlag.COMPRESSED),
    encodeRecordWithBody(deflateSync(Buffer.from('hello 0x301')), SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB),
    record('T', 3, { KEYS: 'k1 k2' }),
  ]);
  const msgs = decodeMessages(buf, 'b');
  assert.deepEqual(msgs.map((m) => m.body.toString()), ['hello zlib', 'hello 0x301', 'b']);
  assert.equal(msgs[2]?.msgId, msgs[2]?.offsetMsgId);
  assert.deepEqual(msgs[2]?.keys, ['k1', 'k2']);
});

test('pulled messages read lazily give the same fields as the eager decoder; assignments stick', () => {
  const one = record('T', 7, { TAGS: 'TagA', KEYS: 'k1  k2', UNIQ_KEY: 'U7', a: 'b' });
  const two = record('T', 8, {});
  const [m, n] = decodeMessages(Buffer.concat([one, two]), 'broker-a', { MIN_OFFSET: '0' });
  assert.ok(m !== undefined && n !== undefined);
  const eager = toMessageExt(decodeRecord(one, 0, { strict: false }), 'broker-a');
  assert.deepEqual(messageFields(m), { ...eager, properties: { ...eager.properties, MIN_OFFSET: '0' } });
  const eagerTwo = toMessageExt(decodeRecord(two, 0, { strict: false }), 'broker-a');
  assert.deepEqual(messageFields(n), { ...eagerTwo, properties: { MIN_OFFSET: '0' } });
  assert.equal(n.msgId, n.offsetMsgId);
  assert.deepEqual(JSON.parse(JSON.stringify(m)).msgId, 'U7');
  m.tags = undefined;
  m.msgId = 'X';
  m.keys = ['z'];
  m.bornHost = 'h:1';
  m.properties = { c: 'd' };
  assert.deepEqual([m.tags, m.msgId, m.keys, m.bornHost, m.properties], [undefined, 'X', ['z'], 'h:1', { c: 'd' }]);
  assert.equal(n.tags, undefined);
  assert.deepEqual(n.keys, []);
});

function encodeRecordWithBody(body: Buffer, sysFlag: number): Buffer {
  return encodeRecord({
    queueId: 0, flag: 0, queueOffset: 1, physicalOffset: 1, sysFlag, bornTimestamp: 1, bornHost: encodeHost('1.2.3.4:5'),
    storeTimestamp: 1, storeHost: encodeHost('1.2.3.4:6'), reconsumeTimes: 0, preparedTransactionOffset: 0,
    body, topic: Buffer.from('T'), properties: Buffer.alloc(0),
  });
}

test('subscriptions and tag matching', () => {
  const all = buildSubscription('T', ' * ', 5);
  assert.deepEqual([all.subString, all.tagsSet, all.codeSet, all.subVersion], ['*', [], [], 5]);
  assert.equal(buildSubscription('T', '').subString, '*');
  const s = buildSubscription('T', 'TagA || TagB||TagA');
  assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(s.codeSet, [2598919, 2598920]);
  assert.equal(matchesTags(s, 'TagB'), true);
  assert.equal(matchesTags(s, 'TagC'), false);
  assert.equal(matchesTags(s, undefined), false);
  assert.equal(matchesTags(all, undefined), true);
  assert.throws(() => buildSubscription('T', 'A || *'), { code: 'SUBSCRIPTION_PARSE_FAILED' });
});

test('pull header and sysFlag', () => {
  assert.equal(buildPullSysFlag(false, true, true), 6);
  assert.equal(buildPullSysFlag(true, true, true), 7);
  assert.equal(buildPullSysFlag(false, true, true, true), 0x16);
  const h = buildPullHeader({
    consumerGroup: 'G', mq: { topic: 'T', brokerName: 'b', queueId: 1 }, queueOffset: 5, maxMsgNums: 32, sysFlag: 6,
    commitOffset: 0, suspendTimeoutMillis: 15000, subscription: buildSubscription('T', 'A', 9),
  });
  assert.deepEqual(h, {
    consumerGroup: 'G', topic: 'T', queueId: '1', queueOffset: '5', maxMsgNums: '32', sysFlag: '6', commitOffset: '0',
    suspendTimeoutMillis: '15000', subscription: 'A', subVersion: '9', expressionType: 'TAG', bname: 'b',
  });
});

test('heartbeat body as brokers read it', () => {
  const body = JSON.parse(
    encodeHeartbeat({
      clientID: 'ip@1#1',
      producerDataSet: [{ groupName: 'PG' }],
      consumerDataSet: [
        { groupName: 'G', consumeType: 'CONSUME_ACTIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [buildSubscription('T', 'TagA', 1)], unitMode: false },
      ],
    }).toString(),
  ) as { consumerDataSet: { subscriptionDataSet: Record<string, unknown>[] }[] };
  assert.deepEqual(body.consumerDataSet[0]?.subscriptionDataSet[0], {
    topic: 'T', subString: 'TagA', tagsSet: ['TagA'], codeSet: [2598919], subVersion: 1, expressionType: 'TAG', classFilterMode: false,
  });
});

test('batch body round-trips through the broker-side decoder', async () => {
  const { encodeBatchBodyRaw } = await import('@contrail/common');
  const a = prepareMessage({ topic: 'T', body: 'one', tags: 'A' }, limits);
  const b = prepareMessage({ topic: 'T', body: 'two', flag: 3 }, limits);
  const items = decodeBatchBodyRaw(encodeBatchBodyRaw([a, b].map((m) => ({ flag: m.flag, body: m.body, properties: m.propertiesText }))));
  assert.deepEqual(items.map((i) => [i.flag, i.body.toString(), decodeProperties(i.properties).UNIQ_KEY]), [
    [0, 'one', a.uniqId],
    [3, 'two', b.uniqId],
  ]);
});

test('a message with nothing but a body prepares exactly as one with empty properties', () => {
  const limits = { maxMessageSize: 4 * 1024 * 1024, compressOver: 4096 };
  for (const [topic, body, flag] of [
    ['T', 'x', undefined],
    ['T', Buffer.alloc(4095, 1), 7],
    ['%RETRY%G', 'r', 0],
    ['T', Buffer.alloc(5000, 2), undefined],
  ] as const) {
    const plain = prepareMessage({ topic, body, ...(flag === undefined ? {} : { flag }) }, limits, 1234);
    const full = prepareMessage({ topic, body, properties: {}, ...(flag === undefined ? {} : { flag }) }, limits, 1234);
    // UNIQ_KEYs differ by their counter; everything else is the same.
    const same = (m: typeof plain): unknown => ({
      ...m,
      uniqId: 'U',
      properties: { ...m.properties, UNIQ_KEY: 'U' },
      propertiesText: m.propertiesText.replace(m.uniqId, 'U'),
    });
    assert.deepEqual(same(plain), same(full));
    assert.equal(plain.propertiesText, `UNIQ_KEY\u0001${plain.uniqId}`);
  }
});
