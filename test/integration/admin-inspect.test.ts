// Cluster inspection through the admin package (what `contrail cluster|topic status|group
// progress` print) against two real brokers: runtime figures and settings per broker,
// offsets per queue, and a consumer group's lag from its committed offsets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerConfig, clusterList, consumerProgress, topicStatus } from '@contrail/admin';
import { Producer, PullConsumer } from '@contrail/client';
import { ContrailError } from '@contrail/common';
import { failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';

failOnUnhandledRejection();
let c: TestCluster;

before(async () => {
  c = await startCluster({ brokers: 2 });
  await c.createTopic('INSPECT', { queues: 2 });
  const producer = new Producer({ namesrvAddr: c.namesrvAddr, producerGroup: 'PID_INSPECT' });
  await producer.start();
  try {
    // broker-a queue 0: 3 messages; broker-b queue 1: 2 messages.
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'INSPECT', body: `a${i}` }, { queue: { topic: 'INSPECT', brokerName: 'broker-a', queueId: 0 } });
    for (let i = 0; i < 2; i++) await producer.send({ topic: 'INSPECT', body: `b${i}` }, { queue: { topic: 'INSPECT', brokerName: 'broker-b', queueId: 1 } });
  } finally {
    await producer.shutdown();
  }
});
after(() => c.shutdown());

test('cluster list names both brokers with their runtime figures; config gives the bound ports', async () => {
  const rows = await clusterList(c.admin);
  assert.deepEqual(
    rows.map((r) => [r.cluster, r.brokerName, r.brokerId]),
    [
      ['TestCluster', 'broker-a', 0],
      ['TestCluster', 'broker-b', 0],
    ],
  );
  for (const r of rows) {
    assert.ok(r.runtime !== undefined, `${r.brokerName} answered`);
    assert.ok(Number(r.runtime.commitLogMaxOffset) > 0, JSON.stringify(r.runtime));
  }
  const b = c.brokers[1];
  assert.ok(b);
  const config = await brokerConfig(c.admin, b.address);
  assert.equal(config.brokerName, 'broker-b');
  assert.equal(config.listenPort, String(b.port));
});

test('topic status gives every queue on every broker with its min and max offset', async () => {
  const rows = await topicStatus(c.admin, 'INSPECT');
  assert.deepEqual(
    rows.map((r) => [r.brokerName, r.queueId, r.minOffset, r.maxOffset]),
    [
      ['broker-a', 0, 0, 3],
      ['broker-a', 1, 0, 0],
      ['broker-b', 0, 0, 0],
      ['broker-b', 1, 0, 2],
    ],
  );
});

test("group progress: lag from the group's committed offsets, found without naming the topic", async () => {
  const consumer = new PullConsumer({ namesrvAddr: c.namesrvAddr, consumerGroup: 'GID_INSPECT' });
  await consumer.start();
  try {
    const mq = { topic: 'INSPECT', brokerName: 'broker-a', queueId: 0 };
    const r = await consumer.pull(mq, '*', 0, 2);
    assert.equal(r.messages.length, 2);
    await consumer.updateConsumeOffset(mq, r.nextBeginOffset);
  } finally {
    await consumer.shutdown();
  }
  const rows = await consumerProgress(c.admin, 'GID_INSPECT');
  const lagOf = (broker: string, q: number): [number, number] => {
    const row = rows.find((x) => x.topic === 'INSPECT' && x.brokerName === broker && x.queueId === q);
    assert.ok(row, `${broker}/${q} in ${JSON.stringify(rows)}`);
    return [row.consumerOffset, row.lag];
  };
  assert.deepEqual(lagOf('broker-a', 0), [2, 1]);
  // No committed offset: everything the queue holds is behind.
  assert.deepEqual(lagOf('broker-b', 1), [-1, 2]);
  assert.equal(
    rows.filter((x) => x.topic === 'INSPECT').reduce((n, x) => n + x.lag, 0),
    3,
  );
  await assert.rejects(consumerProgress(c.admin, 'GID_NOBODY'), (err: unknown) => err instanceof ContrailError && err.code === 'SUBSCRIPTION_GROUP_NOT_EXIST');
  const named = await consumerProgress(c.admin, 'GID_NOBODY', ['INSPECT']);
  assert.equal(named.reduce((n, x) => n + x.lag, 0), 5);
});
