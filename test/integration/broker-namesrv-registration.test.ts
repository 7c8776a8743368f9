// A broker registers with every NameServer at start, again at once when a topic is created
// (here: the %RETRY% topic of a first heartbeat), and unregisters on shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '@contrail/broker';
import { NameServer } from '@contrail/namesrv';
import { RemotingClient, RequestCode, createRequest, type RemotingCommand } from '@contrail/remoting';
import { MemoryMessageStore } from '@contrail/store';

async function route(client: RemotingClient, addr: string, topic: string): Promise<RemotingCommand> {
  return client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }), 3000);
}

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('broker registers with two NameServers, re-registers on topic change, unregisters on shutdown', async () => {
  const ns1 = new NameServer({ host: '127.0.0.1', port: 0 });
  const ns2 = new NameServer({ host: '127.0.0.1', port: 0 });
  await ns1.start();
  await ns2.start();
  const nsAddrs = [`127.0.0.1:${ns1.port}`, `127.0.0.1:${ns2.port}`];
  const dir = await mkdtemp(join(tmpdir(), 'contrail-reg-'));
  const broker = new Broker({
    brokerName: 'broker-reg',
    brokerClusterName: 'RegCluster',
    listenPort: 0,
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: dir,
    namesrvAddr: nsAddrs,
    messageStore: (c) => new MemoryMessageStore(c),
  });
  const client = new RemotingClient();
  try {
    await broker.start();
    const brokerAddr = `127.0.0.1:${broker.port}`;
    for (const ns of nsAddrs) {
      const r = await route(client, ns, 'TBW102');
      assert.equal(r.code, 0, r.remark);
      const body = JSON.parse(r.body?.toString() ?? '{}') as { brokerDatas: { brokerName: string; cluster: string; brokerAddrs: Record<string, string> }[] };
      assert.deepEqual(body.brokerDatas.map((b) => [b.brokerName, b.cluster, b.brokerAddrs['0']]), [['broker-reg', 'RegCluster', brokerAddr]]);
    }
    assert.equal((await route(client, nsAddrs[0] ?? '', '%RETRY%GID_REG')).code, 17);

    const hb = { clientID: '127.0.0.1@x', consumerDataSet: [{ groupName: 'GID_REG', consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [], unitMode: false }], producerDataSet: [] };
    const res = await client.invoke(brokerAddr, createRequest(RequestCode.HEART_BEAT, {}, Buffer.from(JSON.stringify(hb))), 3000);
    assert.equal(res.code, 0);
    for (const ns of nsAddrs) {
      await eventually(async () => (await route(client, ns, '%RETRY%GID_REG')).code === 0);
    }

    await broker.shutdown();
    for (const ns of nsAddrs) {
      assert.equal((await route(client, ns, 'TBW102')).code, 17, 'gone after UNREGISTER_BROKER');
    }
  } finally {
    await client.shutdown();
    await broker.shutdown();
    await ns1.shutdown();
    await ns2.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
});
