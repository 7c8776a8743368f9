import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContrailError } from '@contrail/common';
import {
  DIRECT_FRAME_MIN,
  FrameDecoder,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  decodeFrame,
  encodeFrame,
  encodeFrameChunks,
  type RemotingCommand,
} from '../src/index.js';

function jsonFrame(header: string, body = Buffer.alloc(0)): Buffer {
  const h = Buffer.from(header, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(4 + h.length + body.length, 0);
  prefix.writeUInt32BE(h.length, 4);
  return Buffer.concat([prefix, h, body]);
}

test('the ali-ons example header decodes, numbers and booleans becoming strings', () => {
  const header =
    '{"code":310,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":{"a":"PID_SMOKE","b":"TP_alions_test_topic","c":"TBW102","d":4,"e":0,"f":0,"g":1795523826852,"h":0,"i":"TAGS\\u0001TagA\\u0002","j":0,"k":false}}';
  const cmd = decodeFrame(jsonFrame(header, Buffer.from('hello')));
  assert.equal(cmd.code, RequestCode.SEND_MESSAGE_V2);
  assert.equal(cmd.opaque, 1);
  assert.equal(cmd.flag, 0);
  assert.equal(cmd.version, 121);
  assert.equal(cmd.language, 'JAVA');
  assert.equal(cmd.serializeType, SerializeType.JSON);
  assert.deepEqual(cmd.extFields, {
    a: 'PID_SMOKE',
    b: 'TP_alions_test_topic',
    c: 'TBW102',
    d: '4',
    e: '0',
    f: '0',
    g: '1795523826852',
    h: '0',
    i: 'TAGS\u0001TagA\u0002',
    j: '0',
    k: 'false',
  });
  assert.equal(cmd.body?.toString(), 'hello');
});

test('a Java 4.9.7 header decodes; null ext values are skipped; unknown keys ignored', () => {
  const header =
    '{"code":105,"extFields":{"topic":"T","x":null},"flag":0,"language":"JAVA","opaque":0,"serializeTypeCurrentRPC":"JSON","version":407}';
  const cmd = decodeFrame(jsonFrame(header));
  assert.equal(cmd.code, 105);
  assert.deepEqual(cmd.extFields, { topic: 'T' });
  assert.equal(cmd.body, undefined);
});

test('a JSON response encodes byte for byte', () => {
  const request = decodeFrame(jsonFrame('{"code":105,"opaque":7,"flag":0,"version":121,"language":"JAVA"}'));
  const response = createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { a: 'b' }, Buffer.from('xy'), 'none');
  const expectedHeader = '{"code":17,"language":"JAVA","version":407,"opaque":7,"flag":1,"remark":"none","extFields":{"a":"b"}}';
  assert.deepEqual(encodeFrame(response), jsonFrame(expectedHeader, Buffer.from('xy')));
});

test('the ROCKETMQ binary header encodes to the documented layout and back', () => {
  const cmd = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' }, Buffer.from([9]), SerializeType.ROCKETMQ);
  cmd.opaque = 5;
  cmd.remark = 'r';
  const header = Buffer.concat([
    Buffer.from([0, 105, 0, 0x01, 0x97]), // code 105, JAVA, version 407
    Buffer.from([0, 0, 0, 5, 0, 0, 0, 0]), // opaque, flag
    Buffer.from([0, 0, 0, 1, 0x72]), // remark "r"
    Buffer.from([0, 0, 0, 12, 0, 5]), // ext length, key length
    Buffer.from('topic'),
    Buffer.from([0, 0, 0, 1, 0x54]), // value "T"
  ]);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(4 + header.length + 1, 0);
  prefix.writeUInt32BE((1 << 24) | header.length, 4);
  const frame = encodeFrame(cmd);
  assert.deepEqual(frame, Buffer.concat([prefix, header, Buffer.from([9])]));
  const back = decodeFrame(frame);
  assert.deepEqual(back, cmd);
});

test('a body given as slices is written without joining them', () => {
  const slices = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cde')];
  const cmd = createResponse({ opaque: 1, serializeType: 0 }, 0, {}, slices);
  const chunks = encodeFrameChunks(cmd);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], slices[0]);
  assert.equal(chunks[2], slices[2]);
  assert.equal(decodeFrame(Buffer.concat(chunks)).body?.toString(), 'abcde');
});

test('a frame over 16 MiB is a FRAME_TOO_LARGE error', () => {
  const decoder = new FrameDecoder(() => assert.fail('no command expected'));
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(16 * 1024 * 1024 - 3, 0);
  assert.throws(
    () => decoder.push(prefix),
    (err: unknown) => err instanceof ContrailError && err.code === 'FRAME_TOO_LARGE',
  );
});

test('a frame of exactly 16 MiB is accepted', () => {
  const got: RemotingCommand[] = [];
  const decoder = new FrameDecoder((c) => got.push(c));
  const body = Buffer.alloc(16 * 1024 * 1024 - 8 - 10);
  const frame = jsonFrame('{"code":1}', body);
  assert.equal(frame.length, 16 * 1024 * 1024);
  for (let i = 0; i < frame.length; i += 65536) decoder.push(frame.subarray(i, i + 65536));
  assert.equal(got.length, 1);
  assert.equal(got[0]?.body?.length, body.length);
});

test('malformed headers are FRAME_MALFORMED errors', () => {
  const bad = [
    jsonFrame('not json'),
    jsonFrame('[1,2]'),
    jsonFrame('{"opaque":1}'),
    jsonFrame('{"code":"x"}'),
    jsonFrame('{"code":1,"extFields":[]}'),
    Buffer.from([0, 0, 0, 8, 0, 0, 0, 9, 1, 2, 3, 4]), // header longer than the frame
    Buffer.from([0, 0, 0, 5, 2, 0, 0, 1, 0x20]), // serialize type 2
    Buffer.from([0, 0, 0, 6, 1, 0, 0, 2, 0, 1]), // binary header too short
    Buffer.from([0, 0, 0, 2, 0, 0]), // length shorter than a header word
  ];
  for (const frame of bad) {
    const decoder = new FrameDecoder(() => assert.fail('no command expected'));
    assert.throws(
      () => decoder.push(frame),
      (err: unknown) => err instanceof ContrailError && err.code === 'FRAME_MALFORMED',
      frame.toString('hex'),
    );
  }
});

test('frames split byte by byte decode in order', () => {
  const cmds = [
    createRequest(10, { a: '1' }, Buffer.from('one')),
    createRequest(11, {}, undefined, SerializeType.ROCKETMQ),
    createRequest(12, { b: '2' }, Buffer.from('three')),
  ];
  cmds.forEach((c, i) => (c.opaque = i));
  const stream = Buffer.concat(cmds.map((c) => encodeFrame(c)));
  const got: RemotingCommand[] = [];
  const decoder = new FrameDecoder((c) => got.push(c));
  for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1));
  assert.deepEqual(got, cmds);
  assert.equal(decoder.bufferedBytes, 0);
});

test('a large frame is assembled in its own buffer, whether its bytes are pushed or written into directTarget()', () => {
  const body = Buffer.alloc(DIRECT_FRAME_MIN * 2 + 123);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const frame = encodeFrame(createRequest(RequestCode.SEND_MESSAGE, { topic: 'T' }, body));
  const small = encodeFrame(createRequest(RequestCode.HEART_BEAT, {}, Buffer.from('hb')));
  const stream = Buffer.concat([small, frame, small, frame, small]);
  for (const direct of [false, true]) {
    const got: RemotingCommand[] = [];
    const d = new FrameDecoder((c) => got.push(c));
    let at = 0;
    let step = 0;
    while (at < stream.length) {
      const target = direct ? d.directTarget() : undefined;
      const n = Math.min(stream.length - at, 1000 + ((step++ * 7919) % 70_000));
      if (target !== undefined) {
        const take = Math.min(n, target.length);
        stream.copy(target, 0, at, at + take);
        d.directWritten(take);
        at += take;
      } else {
        d.push(Buffer.from(stream.subarray(at, at + n)));
        at += n;
      }
    }
    assert.deepEqual(
      got.map((c) => c.code),
      [RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE, RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE, RequestCode.HEART_BEAT],
    );
    assert.ok(got[1]?.body?.equals(body) && got[3]?.body?.equals(body), `direct=${direct}`);
    assert.equal(d.bufferedBytes, 0);
  }
  const d = new FrameDecoder(() => undefined);
  d.push(frame.subarray(0, 10));
  assert.throws(() => d.directWritten(frame.length), { code: 'FRAME_MALFORMED' });
});
