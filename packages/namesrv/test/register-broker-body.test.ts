import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { ContrailError } from '@contrail/common';
import { decodeRegisterBrokerBody, encodeRegisterBrokerBody } from '../src/index.js';
import { topic } from './namesrv-helpers.js';

function block(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

test('a compressed body laid out as RegisterBrokerBody.encode(true) writes it decodes', () => {
  const raw = Buffer.concat([
    block('{"counter":7,"timestamp":1700000000123}'),
    int(2),
    block('TopicA 8 4 6 SINGLE_TAG'),
    block('TBW102 8 8 7 MULTI_TAG'),
    block('["10.0.0.1:1"]'),
  ]);
  const body = decodeRegisterBrokerBody(deflateSync(raw, { level: 9 }), true);
  assert.deepEqual(body.dataVersion, { timestamp: 1700000000123, counter: 7 });
  assert.deepEqual(body.filterServerList, ['10.0.0.1:1']);
  assert.deepEqual(body.topicConfigTable.get('TopicA'), {
    topicName: 'TopicA', readQueueNums: 8, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false,
  });
  assert.equal(body.topicConfigTable.get('TBW102')?.perm, 7);
});

test('a plain JSON body decodes, numbers as strings tolerated', () => {
  const json = JSON.stringify({
    topicConfigSerializeWrapper: {
      topicConfigTable: { T: { topicName: 'T', readQueueNums: '2', writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 1, order: true } },
      dataVersion: { timestamp: 5, counter: 1 },
    },
    filterServerList: [],
  });
  const body = decodeRegisterBrokerBody(Buffer.from(json), false);
  assert.deepEqual(body.topicConfigTable.get('T'), {
    topicName: 'T', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 1, order: true,
  });
  assert.deepEqual(body.dataVersion, { timestamp: 5, counter: 1 });
});

test('both forms round-trip through the encoder', () => {
  const original = {
    topicConfigTable: new Map([['A', topic('A', 4)], ['B', topic('B', 1, 7)]]),
    dataVersion: { timestamp: 123, counter: 4 },
    filterServerList: [],
  };
  for (const compressed of [false, true]) {
    assert.deepEqual(decodeRegisterBrokerBody(encodeRegisterBrokerBody(original, compressed), compressed), original);
  }
});

test('a broken compressed body is a typed error', () => {
  for (const bad of [Buffer.from('not zlib'), deflateSync(Buffer.from([0, 0, 0, 50, 1])), deflateSync(Buffer.concat([block('{}'), int(1), block('only three fields')]))]) {
    assert.throws(() => decodeRegisterBrokerBody(bad, true), (err: unknown) => err instanceof ContrailError && err.code === 'SYSTEM_ERROR');
  }
});
