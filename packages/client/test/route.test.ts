import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTopicRouteData, publishInfo, subscribeQueues, masterAddr, parseNamesrvAddr, parseLenientJson } from '../src/index.js';
import { quoteNumericKeys } from '@contrail/common';

const standard =
  '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"DefaultCluster"},' +
  '{"brokerAddrs":{"0":"127.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},' +
  '"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},' +
  '{"brokerName":"broker-a","perm":6,"readQueueNums":3,"topicSysFlag":0,"writeQueueNums":3}]}';
const fastjson = standard.replace(/"brokerAddrs":\{"0":"([^"]+)","1":/, '"brokerAddrs":{0:"$1",1:').replace(/\{"0":/g, '{0:');

test('route JSON: standard and fastjson forms parse to the same route', () => {
  assert.notEqual(fastjson, standard);
  assert.throws(() => JSON.parse(fastjson));
  const a = parseTopicRouteData(Buffer.from(standard));
  const b = parseTopicRouteData(Buffer.from(fastjson));
  assert.deepEqual(a, b);
  assert.equal(a.brokerDatas.length, 2);
  assert.deepEqual(a.brokerDatas[0]?.brokerAddrs, { 0: '127.0.0.1:10911', 1: '127.0.0.1:10921' });
  assert.equal(masterAddr(a.brokerDatas[1]), '127.0.0.2:10911');
});

test('route JSON: unquoted keys inside string values are left alone', () => {
  const text = '{"remark":"{0:x, 1 :y}",5:"a", "n": {7 : "b"}}';
  assert.equal(quoteNumericKeys(text), '{"remark":"{0:x, 1 :y}","5":"a", "n": {"7" : "b"}}');
  assert.deepEqual(parseLenientJson(text), { remark: '{0:x, 1 :y}', 5: 'a', n: { 7: 'b' } });
  assert.deepEqual(parseLenientJson('{"s":"quote \\" {1:2}",3:4}'), { s: 'quote " {1:2}', 3: 4 });
});

test('publish queues: writable, master present, sorted by broker name', () => {
  const route = parseTopicRouteData(standard);
  const info = publishInfo('T', route);
  assert.equal(info.orderTopic, false);
  assert.deepEqual(
    info.queues.map((q) => `${q.brokerName}:${q.queueId}`),
    ['broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-b:0', 'broker-b:1'],
  );
  const readOnly = { ...route, queueDatas: route.queueDatas.map((q) => (q.brokerName === 'broker-a' ? { ...q, perm: 4 } : q)) };
  assert.deepEqual(
    publishInfo('T', readOnly).queues.map((q) => q.brokerName),
    ['broker-b', 'broker-b'],
  );
  assert.equal(subscribeQueues('T', readOnly).length, 5);
  const noMaster = { ...route, brokerDatas: route.brokerDatas.map((b) => (b.brokerName === 'broker-b' ? { ...b, brokerAddrs: { 1: 'x:1' } } : b)) };
  assert.deepEqual(
    publishInfo('T', noMaster).queues.map((q) => q.brokerName),
    ['broker-a', 'broker-a', 'broker-a'],
  );
});

test('publish queues: orderTopicConf wins', () => {
  const route = parseTopicRouteData(JSON.stringify({ ...JSON.parse(standard), orderTopicConf: 'broker-b:2;broker-a:1' }));
  const info = publishInfo('T', route);
  assert.equal(info.orderTopic, true);
  assert.deepEqual(
    info.queues.map((q) => `${q.brokerName}:${q.queueId}`),
    ['broker-b:0', 'broker-b:1', 'broker-a:0'],
  );
});

test('NameServer address lists', () => {
  assert.deepEqual(parseNamesrvAddr('h1:9876;h2:9876'), ['h1:9876', 'h2:9876']);
  assert.deepEqual(parseNamesrvAddr(['h1:9876', 'h2:9876;h3:1']), ['h1:9876', 'h2:9876', 'h3:1']);
  assert.throws(() => parseNamesrvAddr(''), { code: 'CONFIG_INVALID' });
  assert.throws(() => parseNamesrvAddr('nohost'), { code: 'CONFIG_INVALID' });
});
