// The store's own record writer against common's writeRecord, byte for byte, and its
// one-pass property scan against findProperty, over random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOffsetMsgId, decodeRecord, encodeHost, encodeRecord, findProperty, Prop, SystemTopic, tagsCode } from '@contrail/common';
import { RecordEncoder, isPrepareFailure, type PreparedRecord } from '../src/record-encoder.js';
import type { PutMessageInput } from '../src/index.js';
import { msg } from './helpers.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const PIECES = ['TAGS', 'KEYS', 'UNIQ_KEY', 'DELAY', 'TAG', 'XKEYS', 'a', 'é', '\u0001', '\u0002', '', 'v1', '3', 'k1 k2', '😀'];

function randomProperties(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 12);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

test('records are written exactly as writeRecord writes them', () => {
  const r = rng(7);
  for (const storeHost of ['10.0.0.1:10911', '[::1]:10911']) {
    const enc = new RecordEncoder(storeHost, 4 * 1024 * 1024, [1000, 5000]);
    for (let i = 0; i < 500; i++) {
      const m: PutMessageInput = {
        topic: r() < 0.5 ? 'T' : 'Tópico-' + i,
        queueId: Math.floor(r() * 0x7fffffff),
        flag: (Math.floor(r() * 0x100000000) | 0) as number,
        sysFlag: Math.floor(r() * 16),
        bornTimestamp: Math.floor(r() * 2 ** 45),
        bornHost: r() < 0.5 ? '10.1.2.3:' + Math.floor(r() * 65535) : '[fe80::1]:' + Math.floor(r() * 65535),
        reconsumeTimes: Math.floor(r() * 17),
        preparedTransactionOffset: r() < 0.5 ? 0 : Math.floor(r() * 2 ** 50),
        body: Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))),
        properties: randomProperties(r),
      };
      const p = enc.prepare(m);
      assert.ok(!isPrepareFailure(p));
      const prepared = p as PreparedRecord;
      const phy = Math.floor(r() * 2 ** 52);
      const qo = Math.floor(r() * 2 ** 40);
      const ts = Math.floor(r() * 2 ** 42);
      const target = Buffer.alloc(prepared.size + 10, 0xee);
      enc.encode(target, 5, prepared, phy, qo, ts);
      const expected = encodeRecord({
        queueId: m.queueId,
        flag: m.flag,
        queueOffset: qo,
        physicalOffset: phy,
        sysFlag: prepared.sysFlag,
        bornTimestamp: m.bornTimestamp,
        bornHost: encodeHost(m.bornHost as string),
        storeTimestamp: ts,
        storeHost: encodeHost(storeHost),
        reconsumeTimes: m.reconsumeTimes,
        preparedTransactionOffset: m.preparedTransactionOffset,
        body: m.body,
        topic: Buffer.from(m.topic),
        properties: Buffer.from(m.properties),
      });
      assert.equal(prepared.size, expected.length);
      assert.deepEqual(target.subarray(5, 5 + prepared.size), expected);
      assert.equal(target[4], 0xee);
      assert.equal(target[5 + prepared.size], 0xee);
      assert.equal(enc.msgId(phy), createOffsetMsgId(encodeHost(storeHost), phy));
    }
  }
});

/** A small valid message; `over` replaces fields. */
function input(over: Partial<PutMessageInput>): PutMessageInput {
  return {
    topic: 'T',
    queueId: 0,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: '10.1.2.3:4',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.alloc(1),
    properties: '',
    ...over,
  };
}

test('dispatch fields match findProperty on random property strings', () => {
  const r = rng(11);
  const enc = new RecordEncoder('10.0.0.1:10911', 1024, [1000, 5000, 10000]);
  for (let i = 0; i < 5000; i++) {
    const properties = randomProperties(r);
    const topic = i % 5 === 0 ? SystemTopic.SCHEDULE : 'T';
    const p = enc.prepare(input({ topic, queueId: i % 3, properties })) as PreparedRecord;
    const d = enc.dispatchOf(p, 100, 7, 5000);
    assert.equal(d.keys, findProperty(properties, Prop.KEYS), JSON.stringify(properties));
    assert.equal(d.uniqKey, findProperty(properties, Prop.UNIQ_KEY), JSON.stringify(properties));
    if (topic === 'T') assert.equal(d.tagsCode, tagsCode(findProperty(properties, Prop.TAGS)), JSON.stringify(properties));
    else {
      let level = Number(findProperty(properties, Prop.DELAY));
      if (!Number.isInteger(level) || level < 1) level = (i % 3) + 1;
      assert.equal(d.tagsCode, 5000 + [1000, 5000, 10000][Math.min(level, 3) - 1]!, JSON.stringify(properties));
    }
  }
});

test('32-bit fields out of range are MESSAGE_ILLEGAL', () => {
  const enc = new RecordEncoder('10.0.0.1:10911', 1024, [1000]);
  for (const bad of [{ flag: 2 ** 31 }, { reconsumeTimes: 1.5 }, { queueId: 2 ** 31 }, { sysFlag: -(2 ** 32) }]) {
    const p = enc.prepare(input(bad));
    assert.ok(isPrepareFailure(p), JSON.stringify(bad));
    assert.equal(p.status, 'MESSAGE_ILLEGAL');
  }
});

test('no record ends in a zero byte: properties ending in NUL get a separator after them', () => {
  for (const appendCrc of [false, true]) {
    const enc = new RecordEncoder('10.0.0.1:10911', 4 * 1024 * 1024, [1000], appendCrc);
    const m: PutMessageInput = {
      topic: 'T',
      queueId: 0,
      flag: 0,
      sysFlag: 0,
      bornTimestamp: 1,
      bornHost: '10.1.2.3:5',
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.from('b'),
      properties: 'KEYS\u0001k1\u0002NUL\u0001v\u0000',
    };
    const p = enc.prepare(m) as PreparedRecord;
    const target = Buffer.alloc(p.size);
    enc.encode(target, 0, p, 0, 0, 2);
    assert.notEqual(target[p.size - 1], 0, `appendCrc ${appendCrc}`);
    const props = decodeRecord(target).properties;
    assert.equal(props.NUL, 'v\u0000');
    assert.equal(props.KEYS, 'k1');
  }
});

test('a batch\'s msgIds in one string are the records\' own msgIds, comma-joined', () => {
  const r = rng(5);
  for (const storeHost of ['10.0.0.1:10911', '[fe80::7]:10911']) {
    const enc = new RecordEncoder(storeHost, 1 << 20, [1000]);
    for (let round = 0; round < 50; round++) {
      const records: PreparedRecord[] = [];
      const n = 1 + Math.floor(r() * 600);
      for (let i = 0; i < n; i++) {
        const p = enc.prepare(msg('T', 0, Buffer.alloc(Math.floor(r() * 3000))));
        assert.ok(!isPrepareFailure(p));
        records.push(p as PreparedRecord);
      }
      // Offsets across the 2^32 boundary and near 2^53 too.
      const first = [Math.floor(r() * 2 ** 40), 2 ** 32 - Math.floor(r() * 100_000), 2 ** 52 + Math.floor(r() * 2 ** 30)][round % 3] as number;
      const expected: string[] = [];
      let phy = first;
      for (const p of records) {
        expected.push(enc.msgId(phy));
        phy += p.size;
      }
      assert.equal(enc.msgIds(first, records), expected.join(','));
    }
  }
});
