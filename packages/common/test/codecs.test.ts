import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeProperties,
  decodeProperties,
  findProperty,
  javaStringHashCode,
  createOffsetMsgId,
  decodeOffsetMsgId,
  encodeHost,
  UniqIdGenerator,
  uniqIdTimestamp,
  encodeBatchBody,
  decodeBatchBody,
  decodeBatchItems,
  readLong,
  writeLong,
  encodeBatchBodyInto,
  encodeBatchBodyRaw,
  crc32,
  crc32Portable,
  validateName,
  ContrailError,
  ERRORS,
  errorCodeOfRemoting,
} from '../src/index.js';

test('properties: tolerant decoding as Java does', () => {
  assert.deepEqual(decodeProperties('TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002'), { TAGS: 'TagA', KEYS: 'k1 k2' });
  assert.deepEqual(decodeProperties('\u0001\u0002TAGS\u0001null\u0002A\u0001'), { TAGS: 'null' });
  assert.deepEqual(decodeProperties('A\u00011\u0002A\u00012'), { A: '2' });
  assert.equal(encodeProperties({ A: '1', B: '2' }), 'A\u00011\u0002B\u00012');
});

test('properties round-trip', () => {
  const key = fc.string({ minLength: 1 }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002') && s !== '__proto__');
  const value = fc.string({ minLength: 1 }).filter((s) => !s.includes('\u0002'));
  fc.assert(
    fc.property(fc.dictionary(key, value), (props) => {
      assert.deepEqual(decodeProperties(encodeProperties(props)), { ...props });
    }),
  );
});

test('tag hash code has Java String.hashCode semantics', () => {
  assert.equal(javaStringHashCode('TagA'), 2598919);
  assert.equal(javaStringHashCode('TagB'), 2598920);
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello world, a longer string'), -208851919);
});

test('offset message id encodes and decodes', () => {
  const id = createOffsetMsgId(encodeHost('127.0.0.1:10911'), 0);
  assert.equal(id, '7F00000100002A9F0000000000000000');
  assert.deepEqual(decodeOffsetMsgId('0ADA91A6000029CC0000006500E59F3E'), {
    address: '10.218.145.166:10700',
    physicalOffset: 0x6500e59f3e,
  });
  assert.throws(() => decodeOffsetMsgId('XYZ'));
});

test('UNIQ_KEY: 32 hex chars, unique, time recoverable', () => {
  const gen = new UniqIdGenerator(Buffer.from([10, 0, 0, 1]), 1234);
  const now = Date.now();
  const a = gen.next(now);
  const b = gen.next(now);
  assert.match(a, /^[0-9A-F]{32}$/);
  assert.notEqual(a, b);
  assert.equal(a.slice(0, 8), '0A000001');
  assert.equal(uniqIdTimestamp(a, now), now);
});

test('batch body round-trip', () => {
  const items = [
    { flag: 0, body: Buffer.from('a'), properties: { UNIQ_KEY: 'X' } },
    { flag: 7, body: Buffer.alloc(0), properties: {} },
  ];
  assert.deepEqual(decodeBatchBody(encodeBatchBody(items)), items);
  assert.throws(() => decodeBatchBody(Buffer.from([0, 0, 0, 99, 1, 2])), TypeError);
});

/** A batch item: any int32 flag, a body of up to 300 bytes, any properties text. */
const batchItem = fc.record({
  flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  body: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  properties: fc.string({ maxLength: 40, unit: 'grapheme' }),
});

test('batch items decode from the bytes as encoded; anything else is a TypeError', () => {
  fc.assert(
    fc.property(fc.array(batchItem, { maxLength: 8 }), (items) => {
      const decoded = decodeBatchItems(encodeBatchBodyRaw(items), (flag, body, properties, index) => ({ flag, body, properties, index }));
      assert.deepEqual(decoded, items.map((it, index) => ({ ...it, index })));
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeBatchItems(Buffer.from(bytes), () => 0);
      } catch (err) {
        assert.ok(err instanceof TypeError, String(err));
      }
    }),
  );
  // With a suffix, each item's properties come joined with it as the broker stores them.
  const text = fc.oneof(fc.string({ maxLength: 30, unit: 'grapheme' }), fc.string({ maxLength: 30, unit: 'grapheme' }).map((t) => `${t}\u0002`));
  fc.assert(
    fc.property(fc.array(fc.record({ flag: fc.constant(0), body: fc.constant(Buffer.from('b')), properties: text }), { maxLength: 6 }), text, (items, suffix) => {
      const got = decodeBatchItems(encodeBatchBodyRaw(items), (_f, _b, properties) => properties, Buffer.from(suffix, 'utf8'));
      const want = items.map(({ properties: p }) =>
        suffix.length === 0 ? p : p.length === 0 ? suffix : p.endsWith('\u0002') ? p + suffix : `${p}\u0002${suffix}`,
      );
      assert.deepEqual(got, want);
    }),
  );
  // Cut short or grown by a byte, a valid body fails as a TypeError.
  const valid = encodeBatchBodyRaw([{ flag: 1, body: Buffer.from('abc'), properties: 'K\u0001v' }]);
  assert.throws(() => decodeBatchItems(valid.subarray(0, valid.length - 1), () => 0), TypeError);
  assert.throws(() => decodeBatchItems(Buffer.concat([valid, Buffer.from([0])]), () => 0), TypeError);
});

test('a batch body written into a buffer is the one encodeBatchBodyRaw makes; too small a buffer is a RangeError', () => {
  fc.assert(
    fc.property(fc.array(batchItem, { maxLength: 8 }), fc.nat({ max: 100 }), (items, spare) => {
      const want = encodeBatchBodyRaw(items);
      const room = items.reduce((n, it) => n + 22 + it.body.length + it.properties.length * 3, 0);
      const target = Buffer.alloc(room + spare, 0xee);
      const n = encodeBatchBodyInto(items, target);
      assert.ok(target.subarray(0, n).equals(want));
    }),
  );
  const items = [{ flag: 0, body: Buffer.alloc(10), properties: 'K\u0001v' }];
  assert.throws(() => encodeBatchBodyInto(items, Buffer.alloc(22 + 10 + 8)), RangeError);
  assert.equal(encodeBatchBodyInto(items, Buffer.alloc(22 + 10 + 9)), 22 + 10 + 3);
});

test('writeLong writes what writeBigInt64BE writes and readLong reads it back; out of range throws', () => {
  fc.assert(
    fc.property(fc.maxSafeInteger(), fc.nat({ max: 8 }), (v, pos) => {
      const a = Buffer.alloc(16, 0xaa);
      const b = Buffer.alloc(16, 0xaa);
      assert.equal(writeLong(a, v, pos), pos + 8);
      b.writeBigInt64BE(BigInt(v), pos);
      assert.deepEqual(a, b);
      assert.equal(readLong(a, pos), v);
    }),
  );
  const buf = Buffer.alloc(8);
  assert.throws(() => writeLong(buf, 1, 1), RangeError);
  assert.throws(() => writeLong(buf, 1, -1), RangeError);
  assert.deepEqual(buf, Buffer.alloc(8), 'nothing written when it throws');
  // What the Buffer#writeInt32BE pair wrote for values that are not safe integers.
  const old = (v: number): Buffer => {
    const b = Buffer.alloc(8);
    const hi = Math.floor(v / 0x100000000);
    b.writeInt32BE(hi | 0, 0);
    b.writeUInt32BE(v - hi * 0x100000000, 4);
    return b;
  };
  for (const v of [2 ** 53, 2 ** 60 + 2 ** 40, 1.5, -1.5, 0x1_0000_0000 + 0.25, NaN, Infinity, -Infinity]) {
    const b = Buffer.alloc(8, 0xaa);
    writeLong(b, v, 0);
    assert.deepEqual(b, old(v), String(v));
  }
});

test('crc32 native and portable agree', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => crc32(bytes) === crc32Portable(bytes)));
});

test('names are validated', () => {
  assert.equal(validateName('TopicTest'), null);
  assert.equal(validateName('%RETRY%G_1'), null);
  assert.notEqual(validateName('bad topic'), null);
  assert.notEqual(validateName('x'.repeat(128)), null);
});

test('errors table maps remoting codes and raises typed errors', () => {
  assert.equal(errorCodeOfRemoting(17), 'TOPIC_NOT_EXIST');
  const e = ContrailError.fromResponse(17, 'no topic');
  assert.equal(e.code, 'TOPIC_NOT_EXIST');
  assert.equal(e.retriable, true);
  assert.equal(e.grpcCode, ERRORS.TOPIC_NOT_EXIST.grpc);
});

test('findProperty agrees with decodeProperties', () => {
  const samples = [
    'TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002',
    '\u0001\u0002TAGS\u0001null\u0002A\u0001',
    'A\u00011\u0002A\u00012',
    'XTAGS\u0001no\u0002TAGS\u0001yes',
    'TAGS\u0001\u0002TAGS\u0001b',
    '',
  ];
  for (const s of samples) {
    const all = decodeProperties(s);
    for (const name of ['TAGS', 'KEYS', 'A', 'MISSING']) assert.equal(findProperty(s, name), all[name], `${JSON.stringify(s)} ${name}`);
  }
});

test('batch body from pre-encoded properties equals the encoded form', async () => {
  const { encodeBatchBodyRaw } = await import('../src/index.js');
  const items = [
    { flag: 1, body: Buffer.from('a'), properties: { UNIQ_KEY: 'X', TAGS: 't' } },
    { flag: 0, body: Buffer.from('bcd'), properties: {} },
  ];
  const raw = items.map((i) => ({ flag: i.flag, body: i.body, properties: encodeProperties(i.properties) }));
  assert.deepEqual(encodeBatchBodyRaw(raw), encodeBatchBody(items));
});
