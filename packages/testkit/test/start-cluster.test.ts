import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startCluster } from '../src/index.js';

test('startCluster: two NameServers, two brokers, a topic spread over both, restart, shutdown cleans up', async () => {
  const cluster = await startCluster({ nameServers: 2, brokers: 2 });
  try {
    assert.equal(cluster.namesrvAddr.split(';').length, 2);
    await cluster.createTopic('TK_TOPIC', { queues: 2 });
    const route = await cluster.admin.topicRoute('TK_TOPIC');
    assert.deepEqual(route.queueDatas.map((q) => q.brokerName).sort(), ['broker-a', 'broker-b']);
    const port = cluster.brokers[1]?.port;
    const again = await cluster.restartBroker(1);
    assert.equal(again.port, port);
  } finally {
    await cluster.shutdown();
  }
  assert.equal(existsSync(cluster.dataDir), false);
});
