import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemotingClient, RequestCode, ResponseCode, createRequest } from '@contrail/remoting';
import { NameServer } from '../src/index.js';
import { registerRequest, startNameServer, topic, waitFor } from './namesrv-helpers.js';

test('an unknown topic is answered with 17', async (t) => {
  const h = await startNameServer(t);
  const res = await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'nope' });
  assert.equal(res.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal(res.remark, 'No topic route info in name server for the topic: nope');
});

test('unknown request codes are answered with 3', async (t) => {
  const h = await startNameServer(t);
  const res = await h.call(217, { value: 'x' });
  assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(res.remark, ' request type 217 not supported');
});

test('registered brokers (plain and compressed bodies) come back as the standard route JSON', async (t) => {
  const h = await startNameServer(t);
  const b = await h.client.invoke(h.addr, registerRequest({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', topics: [topic('T', 2)], compressed: true }), 3000);
  assert.equal(b.code, ResponseCode.SUCCESS);
  const a = await h.client.invoke(h.addr, registerRequest({ brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', topics: [topic('T', 4), topic('U', 1)] }), 3000);
  assert.equal(a.code, ResponseCode.SUCCESS);
  assert.equal(a.extFields.masterAddr, undefined);

  const res = await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' });
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.equal(
    res.body?.toString(),
    '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"},' +
      '{"brokerAddrs":{"0":"127.0.0.1:20911"},"brokerName":"broker-b","cluster":"DefaultCluster"}],' +
      '"filterServerTable":{},' +
      '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},' +
      '{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}]}',
  );

  const list = await h.call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
  assert.deepEqual(JSON.parse(list.body?.toString() ?? ''), { topicList: ['T', 'U'] });
  const cluster = await h.call(RequestCode.GET_BROKER_CLUSTER_INFO);
  assert.deepEqual(JSON.parse(cluster.body?.toString() ?? ''), {
    brokerAddrTable: {
      'broker-a': { brokerAddrs: { 0: '127.0.0.1:10911' }, brokerName: 'broker-a', cluster: 'DefaultCluster' },
      'broker-b': { brokerAddrs: { 0: '127.0.0.1:20911' }, brokerName: 'broker-b', cluster: 'DefaultCluster' },
    },
    clusterAddrTable: { DefaultCluster: ['broker-a', 'broker-b'] },
  });
  const byCluster = await h.call(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'DefaultCluster' });
  assert.deepEqual(JSON.parse(byCluster.body?.toString() ?? ''), { topicList: ['T', 'U'] });
});

test('a slave learns its master; the route lists both', async (t) => {
  const h = await startNameServer(t);
  await h.client.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] }), 3000);
  const slave = await h.client.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.2:10911', brokerId: 1, topics: [topic('T')] }), 3000);
  assert.equal(slave.extFields.masterAddr, '10.0.0.1:10911');
  assert.equal(slave.extFields.haServerAddr, '10.0.0.1:10912');
  const route = JSON.parse((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).body?.toString() ?? '') as {
    brokerDatas: { brokerAddrs: Record<string, string> }[];
  };
  assert.deepEqual(route.brokerDatas[0]?.brokerAddrs, { 0: '10.0.0.1:10911', 1: '10.0.0.2:10911' });
});

test('a bad body CRC is refused', async (t) => {
  const h = await startNameServer(t);
  const req = registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] });
  req.extFields.bodyCrc32 = '12345';
  const res = await h.client.invoke(h.addr, req, 3000);
  assert.equal(res.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(res.remark, 'crc32 not match');
});

test('a broker is forgotten 120 s after its last registration', async (t) => {
  const h = await startNameServer(t);
  const brokerSide = new RemotingClient();
  t.after(() => brokerSide.shutdown());
  const register = registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] });
  await brokerSide.invoke(h.addr, register, 3000);
  h.clock.now += 60_000;
  // Re-registering (every 30 s in real brokers) moves the deadline.
  await brokerSide.invoke(h.addr, register, 3000);
  h.clock.now += 120_000;
  assert.equal(h.ns.scanNotActiveBrokers(), 0);
  assert.equal((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code, ResponseCode.SUCCESS);
  h.clock.now += 1;
  const connection = await brokerSide.connection(h.addr);
  assert.equal(h.ns.scanNotActiveBrokers(), 1);
  // The silent broker's connection is closed too.
  await connection.whenClosed();
  assert.equal((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code, ResponseCode.TOPIC_NOT_EXIST);
  const cluster = JSON.parse((await h.call(RequestCode.GET_BROKER_CLUSTER_INFO)).body?.toString() ?? '') as unknown;
  assert.deepEqual(cluster, { brokerAddrTable: {}, clusterAddrTable: {} });
});

test('a broker is forgotten when its connection closes', async (t) => {
  const h = await startNameServer(t);
  const brokerSide = new RemotingClient();
  await brokerSide.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] }), 3000);
  await h.client.invoke(h.addr, registerRequest({ brokerName: 'other', brokerAddr: '10.0.0.9:10911', topics: [topic('T')] }), 3000);
  await brokerSide.shutdown();
  await waitFor(async () => {
    const body = (await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).body?.toString() ?? '';
    return !body.includes('10.0.0.1');
  });
  const route = JSON.parse((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).body?.toString() ?? '') as {
    queueDatas: { brokerName: string }[];
  };
  assert.deepEqual(route.queueDatas.map((q) => q.brokerName), ['other']);
});

test('unregister, delete topic and data version queries', async (t) => {
  const h = await startNameServer(t);
  await h.client.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T'), topic('U')], counter: 3 }), 3000);
  const same = await h.call(RequestCode.QUERY_DATA_VERSION, { brokerName: 'b', brokerAddr: '10.0.0.1:10911', clusterName: 'DefaultCluster', brokerId: '0' }, Buffer.from('{"counter":3,"timestamp":1700000000000}'));
  assert.equal(same.extFields.changed, 'false');
  assert.deepEqual(JSON.parse(same.body?.toString() ?? ''), { timestamp: 1700000000000, counter: 3 });
  const changed = await h.call(RequestCode.QUERY_DATA_VERSION, { brokerName: 'b', brokerAddr: '10.0.0.1:10911', clusterName: 'DefaultCluster', brokerId: '0' }, Buffer.from('{"counter":4,"timestamp":1700000000000}'));
  assert.equal(changed.extFields.changed, 'true');

  assert.equal((await h.call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'U' })).code, 0);
  assert.equal((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'U' })).code, ResponseCode.TOPIC_NOT_EXIST);
  const un = await h.call(RequestCode.UNREGISTER_BROKER, { brokerName: 'b', brokerAddr: '10.0.0.1:10911', clusterName: 'DefaultCluster', brokerId: '0' });
  assert.equal(un.code, 0);
  assert.equal((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code, ResponseCode.TOPIC_NOT_EXIST);
});

test('KV config: put, get, list, delete; orderTopicConf reaches the route', async (t) => {
  const h = await startNameServer(t);
  const missing = await h.call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k' });
  assert.equal(missing.code, ResponseCode.QUERY_NOT_FOUND);
  assert.equal((await h.call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NS' })).code, ResponseCode.QUERY_NOT_FOUND);
  assert.equal((await h.call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', key: 'k', value: 'v' })).code, 0);
  assert.equal((await h.call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS' })).code, ResponseCode.SYSTEM_ERROR);
  const got = await h.call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k' });
  assert.equal(got.code, 0);
  assert.equal(got.extFields.value, 'v');
  const list = await h.call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NS' });
  assert.deepEqual(JSON.parse(list.body?.toString() ?? ''), { table: { k: 'v' } });
  assert.equal((await h.call(RequestCode.DELETE_KV_CONFIG, { namespace: 'NS', key: 'k' })).code, 0);
  assert.equal((await h.call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k' })).code, ResponseCode.QUERY_NOT_FOUND);

  await h.call(RequestCode.PUT_KV_CONFIG, { namespace: 'ORDER_TOPIC_CONFIG', key: 'T', value: 'b:4' });
  const reg = await h.client.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] }), 3000);
  assert.deepEqual(JSON.parse(reg.body?.toString() ?? ''), { table: { T: 'b:4' } });
  const route = JSON.parse((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).body?.toString() ?? '') as Record<string, unknown>;
  assert.equal(route.orderTopicConf, 'b:4');
  assert.deepEqual(Object.keys(route), ['brokerDatas', 'filterServerTable', 'orderTopicConf', 'queueDatas']);
});

test('wipe and add write permission of a broker', async (t) => {
  const h = await startNameServer(t);
  await h.client.invoke(h.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T'), topic('U', 4, 7)] }), 3000);
  const perms = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const name of ['T', 'U']) {
      const route = JSON.parse((await h.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: name })).body?.toString() ?? '') as { queueDatas: { perm: number }[] };
      out.push(route.queueDatas[0]?.perm ?? -1);
    }
    return out;
  };
  const wipe = await h.call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'b' });
  assert.equal(wipe.extFields.wipeTopicCount, '2');
  assert.deepEqual(await perms(), [4, 5]);
  const add = await h.call(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'b' });
  assert.equal(add.extFields.addTopicCount, '2');
  assert.deepEqual(await perms(), [6, 6]);
  assert.equal((await h.call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'nobody' })).extFields.wipeTopicCount, '0');
});

test('two NameServers side by side share nothing', async (t) => {
  const one = await startNameServer(t);
  const two = await startNameServer(t);
  await one.client.invoke(one.addr, registerRequest({ brokerName: 'b', brokerAddr: '10.0.0.1:10911', topics: [topic('T')] }), 3000);
  await two.call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', key: 'k', value: 'v' });
  assert.equal((await one.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code, 0);
  assert.equal((await two.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal((await one.call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k' })).code, ResponseCode.QUERY_NOT_FOUND);
  assert.notEqual(one.ns.port, two.ns.port);
});

test('start and shutdown on a fixed port, twice', async () => {
  const probe = new NameServer({ host: '127.0.0.1', port: 0 });
  await probe.start();
  const port = probe.port;
  await probe.shutdown();
  for (let i = 0; i < 2; i++) {
    const ns = new NameServer({ host: '127.0.0.1', port });
    await ns.start();
    const client = new RemotingClient();
    const res = await client.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'x' }), 2000);
    assert.equal(res.code, ResponseCode.TOPIC_NOT_EXIST);
    await client.shutdown();
    await ns.shutdown();
  }
});
