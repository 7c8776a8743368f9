import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeRecord,
  decodeRecords,
  encodeRecord,
  encodeHost,
  uncompressedBody,
  bodyCrc,
  RecordDecodeError,
  type StoredMessage,
} from '../src/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

const MESSAGE_HEX =
  '00000084daa320a755bdf8fc000000000000000000000000000001140000006500e59f3e000000000000014fefa25a930a3e3c520000d3390000014fefa25ad50ada91a6000029cc000000000000000000000000000000167b22726f6f6d223a2231222c226d7367223a2231227d09546f70696354657374000a54414753015461674102';

function reencode(m: StoredMessage): Buffer {
  return encodeRecord({
    queueId: m.queueId,
    flag: m.flag,
    queueOffset: m.queueOffset,
    physicalOffset: m.physicalOffset,
    sysFlag: m.sysFlag,
    bornTimestamp: m.bornTimestamp,
    bornHost: encodeHost(m.bornHost),
    storeTimestamp: m.storeTimestamp,
    storeHost: encodeHost(m.storeHost),
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
    body: m.body,
    topic: Buffer.from(m.topic),
    properties: Buffer.from('TAGS\u0001TagA\u0002'),
  });
}

test('message.bin decodes to the documented fields and re-encodes byte for byte', () => {
  const buf = fixture('message.bin');
  assert.equal(buf.subarray(0, 132).toString('hex'), MESSAGE_HEX);
  const m = decodeRecord(buf, 0, { checkCrc: true });
  assert.equal(m.storeSize, 132);
  assert.equal(m.bodyCrc, 0x55bdf8fc);
  assert.equal(bodyCrc(Buffer.from('{"room":"1","msg":"1"}')), 0x55bdf8fc);
  assert.equal(m.queueId, 0);
  assert.equal(m.flag, 0);
  assert.equal(m.queueOffset, 276);
  assert.equal(m.physicalOffset, 0x6500e59f3e);
  assert.equal(m.sysFlag, 0);
  assert.equal(m.bornHost, '10.62.60.82:54073');
  assert.equal(m.storeHost, '10.218.145.166:10700');
  assert.equal(m.topic, 'TopicTest');
  assert.deepEqual(m.properties, { TAGS: 'TagA' });
  assert.equal(m.body.toString(), '{"room":"1","msg":"1"}');
  assert.equal(m.msgId, '0ADA91A6000029CC0000006500E59F3E');
  assert.deepEqual(reencode(m), buf.subarray(0, 132));
});

test('message_compress.bin carries a zlib body (its TOTALSIZE is off by 8, so walk the fields)', () => {
  assert.throws(() => decodeRecord(fixture('message_compress.bin')), RecordDecodeError);
  const m = decodeRecord(fixture('message_compress.bin'), 0, { strict: false });
  assert.equal(m.topic, 'TopicTest');
  assert.deepEqual(m.properties, { TAGS: 'TagA' });
  assert.equal(m.sysFlag & 1, 1);
  assert.equal(uncompressedBody(m).toString(), 'Hello MetaQ !!!');
});

test('batch_message.bin: three records, then junk that stops the decoder', () => {
  const buf = fixture('batch_message.bin');
  const list = decodeRecords(buf);
  assert.equal(list.length, 3);
  for (const m of list) assert.equal(m.storeSize, 125);
  assert.throws(() => decodeRecord(buf, 375), RecordDecodeError);
});

test('a flipped body bit fails the CRC check; every truncation fails to decode', () => {
  const buf = Buffer.from(fixture('message.bin').subarray(0, 132));
  for (let cut = 0; cut < 132; cut++) assert.throws(() => decodeRecord(buf.subarray(0, cut)), RecordDecodeError);
  buf[100] = (buf[100] as number) ^ 1;
  assert.doesNotThrow(() => decodeRecord(buf));
  assert.throws(() => decodeRecord(buf, 0, { checkCrc: true }), /CRC/);
});
