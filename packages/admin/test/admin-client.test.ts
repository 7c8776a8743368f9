import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContrailError, createOffsetMsgId, encodeHost, encodeProperties, encodeRecord } from '@contrail/common';
import {
  RemotingServer,
  RequestCode,
  createMemoryTransportPair,
  createResponse,
  type RemotingCommand,
  type Transport,
} from '@contrail/remoting';
import { AdminClient, parseClusterInfo } from '../src/index.js';

test('cluster info: standard and fastjson brokerAddrs', () => {
  const text = '{"brokerAddrTable":{"b1":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"b1","cluster":"C"}},"clusterAddrTable":{"C":["b1"]}}';
  const info = parseClusterInfo(Buffer.from(text));
  assert.deepEqual(info.brokerAddrTable.b1?.brokerAddrs, { 0: '10.0.0.1:10911', 1: '10.0.0.2:10911' });
  assert.deepEqual(info.clusterAddrTable, { C: ['b1'] });
  assert.deepEqual(parseClusterInfo(undefined), { brokerAddrTable: {}, clusterAddrTable: {} });
});

function record(storeAddr: string, physicalOffset: number, topic: string, props: Record<string, string>, body: string): Buffer {
  return encodeRecord({
    queueId: 0, flag: 0, queueOffset: 0, physicalOffset, sysFlag: 0, bornTimestamp: 1, bornHost: encodeHost('1.1.1.1:1'),
    storeTimestamp: physicalOffset, storeHost: encodeHost(storeAddr), reconsumeTimes: 0, preparedTransactionOffset: 0,
    body: Buffer.from(body), topic: Buffer.from(topic), properties: Buffer.from(encodeProperties(props)),
  });
}

class Fake {
  readonly servers = new Map<string, RemotingServer>();
  readonly seen: { addr: string; req: RemotingCommand }[] = [];

  on(addr: string, code: number, fn: (r: RemotingCommand) => ReturnType<typeof createResponse>): void {
    let s = this.servers.get(addr);
    if (s === undefined) {
      s = new RemotingServer();
      this.servers.set(addr, s);
    }
    s.registerProcessor(code, (r) => {
      this.seen.push({ addr, req: r });
      return fn(r);
    });
  }

  readonly connect = (addr: string): Promise<Transport> => {
    const s = this.servers.get(addr);
    if (s === undefined) return Promise.reject(new ContrailError('CONNECT_FAILED', `refused ${addr}`));
    const [a, b] = createMemoryTransportPair();
    s.accept(b);
    return Promise.resolve(a);
  };
}

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';
const B = '10.0.0.2:10911';

function cluster(): Fake {
  const f = new Fake();
  const brokerAddrTable = {
    'broker-a': { brokerAddrs: { 0: A }, brokerName: 'broker-a', cluster: 'C1' },
    'broker-b': { brokerAddrs: { 0: B }, brokerName: 'broker-b', cluster: 'C2' },
  };
  f.on(NS, RequestCode.GET_BROKER_CLUSTER_INFO, (r) =>
    createResponse(r, 0, {}, Buffer.from(JSON.stringify({ brokerAddrTable, clusterAddrTable: { C1: ['broker-a'], C2: ['broker-b'] } }))),
  );
  f.on(NS, RequestCode.GET_ROUTEINFO_BY_TOPIC, (r) =>
    createResponse(r, 0, {}, Buffer.from(JSON.stringify({ brokerDatas: Object.values(brokerAddrTable), queueDatas: [] }))),
  );
  f.on(NS, RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (r) => createResponse(r, 0, {}, Buffer.from('{"topicList":["b","a"]}')));
  f.on(NS, RequestCode.PUT_KV_CONFIG, (r) => createResponse(r, 0));
  for (const addr of [A, B]) {
    f.on(addr, RequestCode.UPDATE_AND_CREATE_TOPIC, (r) => createResponse(r, 0));
    f.on(addr, RequestCode.VIEW_MESSAGE_BY_ID, (r) => createResponse(r, 0, {}, record(addr, Number(r.extFields.offset), 'T', { UNIQ_KEY: 'U' }, `at ${addr}`)));
  }
  f.on(A, RequestCode.QUERY_MESSAGE, (r) =>
    createResponse(r, 0, {}, Buffer.concat([
      record(A, 10, 'T', { KEYS: 'k1 k2' }, 'hit-a'),
      record(A, 20, 'T', { KEYS: 'k10' }, 'hash-collision'),
      record(A, 30, 'Other', { KEYS: 'k1' }, 'other-topic'),
    ])),
  );
  f.on(B, RequestCode.QUERY_MESSAGE, (r) => createResponse(r, 22, {}, undefined, 'can not find message'));
  return f;
}

test('createTopic: every master of the named cluster, or the named brokers; order topics also go to the NameServers', async () => {
  const f = cluster();
  const admin = new AdminClient({ namesrvAddr: NS, connect: f.connect });
  assert.deepEqual((await admin.createTopic({ topic: 'T1', clusterName: 'C1', readQueueNums: 4, writeQueueNums: 2 })).brokerAddrs, [A]);
  const create = f.seen.find((s) => s.req.code === RequestCode.UPDATE_AND_CREATE_TOPIC);
  assert.deepEqual(create?.req.extFields, {
    topic: 'T1', defaultTopic: 'TBW102', readQueueNums: '4', writeQueueNums: '2', perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false',
  });
  assert.deepEqual((await admin.createTopic({ topic: 'T2' })).brokerAddrs, [A, B]);
  await admin.createTopic({ topic: 'T3', brokerNames: ['broker-b', 'broker-a'], writeQueueNums: 3, order: true });
  const kv = f.seen.find((s) => s.req.code === RequestCode.PUT_KV_CONFIG);
  assert.deepEqual(kv?.req.extFields, { namespace: 'ORDER_TOPIC_CONFIG', key: 'T3', value: 'broker-a:3;broker-b:3' });
  await assert.rejects(admin.createTopic({ topic: 'T4', clusterName: 'nope' }), { code: 'CONFIG_INVALID' });
  await assert.rejects(admin.createTopic({ topic: 'bad name' }), { code: 'CONFIG_INVALID' });
  assert.deepEqual(await admin.topicList(), ['a', 'b']);
  await admin.shutdown();
});

test('viewMessage goes to the broker named in the offset id; queries merge brokers and filter client-side', async () => {
  const f = cluster();
  const admin = new AdminClient({ namesrvAddr: NS, connect: f.connect });
  const id = createOffsetMsgId(encodeHost(B), 4242);
  const m = await admin.viewMessage(id);
  assert.equal(m.body.toString(), `at ${B}`);
  assert.equal(m.brokerName, 'broker-b');
  assert.equal(m.msgId, 'U');
  assert.equal(f.seen.find((s) => s.req.code === RequestCode.VIEW_MESSAGE_BY_ID)?.req.extFields.offset, '4242');
  await assert.rejects(admin.viewMessage('nothex'), { code: 'INVALID_PARAMETER' });
  const found = await admin.queryMessageByKey('T', 'k1');
  assert.deepEqual(found.map((x) => x.body.toString()), ['hit-a']);
  const q = f.seen.filter((s) => s.req.code === RequestCode.QUERY_MESSAGE).map((s) => s.addr).sort();
  assert.deepEqual(q, [A, B]);
  await admin.shutdown();
});
