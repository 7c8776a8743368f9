import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemotingClient, RequestCode, createRequest, type RemotingCommand } from '@contrail/remoting';
import { startBroker } from './broker-harness.js';

function heartbeat(clientID: string, group: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      clientID,
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: [{ topic: 'TopicX', subString: '*', classFilterMode: false, tagsSet: [], codeSet: [], subVersion: 1 }],
          unitMode: false,
        },
      ],
      producerDataSet: [{ groupName: 'PID_X' }],
    }),
  );
}

test('heartbeat registers the group, creates %RETRY%, lists consumers and notifies on change', async () => {
  const h = await startBroker();
  const notified: RemotingCommand[] = [];
  const other = new RemotingClient({ onRequest: (req) => notified.push(req) });
  try {
    const r = await h.call(RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.1@a', 'GID_HB'));
    assert.equal(r.code, 0);
    // Twice from the same channel: still one member.
    await h.call(RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.1@a', 'GID_HB'));
    const list = await h.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'GID_HB' });
    assert.deepEqual(JSON.parse(list.body?.toString() ?? '{}'), { consumerIdList: ['10.0.0.1@a'] });

    const topics = JSON.parse((await h.call(RequestCode.GET_ALL_TOPIC_CONFIG)).body?.toString() ?? '{}') as {
      topicConfigTable: Record<string, { readQueueNums: number; perm: number }>;
    };
    assert.deepEqual([topics.topicConfigTable['%RETRY%GID_HB']?.readQueueNums, topics.topicConfigTable['%RETRY%GID_HB']?.perm], [1, 6]);
    const groups = JSON.parse((await h.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body?.toString() ?? '{}') as {
      subscriptionGroupTable: Record<string, { retryMaxTimes: number }>;
    };
    assert.equal(groups.subscriptionGroupTable.GID_HB?.retryMaxTimes, 16);

    // A second member joins on another connection: the first one is told (oneway 40).
    const otherRes = await other.invoke(h.addr, createRequest(RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.2@b', 'GID_HB')), 3000);
    assert.equal(otherRes.code, 0);
    const list2 = await h.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'GID_HB' });
    assert.deepEqual((JSON.parse(list2.body?.toString() ?? '{}') as { consumerIdList: string[] }).consumerIdList.sort(), ['10.0.0.1@a', '10.0.0.2@b']);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(notified.some((n) => n.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED && n.extFields.consumerGroup === 'GID_HB'));

    // Unregister, then the closed connection's member goes away too.
    const un = await other.invoke(h.addr, createRequest(RequestCode.UNREGISTER_CLIENT, { clientID: '10.0.0.2@b', consumerGroup: 'GID_HB' }), 3000);
    assert.equal(un.code, 0);
    const list3 = await h.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'GID_HB' });
    assert.deepEqual(JSON.parse(list3.body?.toString() ?? '{}'), { consumerIdList: ['10.0.0.1@a'] });
    await h.client.shutdown();
    await new Promise((r) => setTimeout(r, 100));
    const after = await other.invoke(h.addr, createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'GID_HB' }), 3000);
    assert.equal(after.code, 1);
    assert.match(after.remark ?? '', /no consumer for this group, GID_HB/);
  } finally {
    await other.shutdown();
    await h.close();
  }
});

test('admin: runtime info, subscription group create, topic delete', async () => {
  const h = await startBroker();
  try {
    const info = await h.call(RequestCode.GET_BROKER_RUNTIME_INFO);
    const table = (JSON.parse(info.body?.toString() ?? '{}') as { table: Record<string, string> }).table;
    assert.equal(table.brokerVersionDesc, 'V4_9_7');
    assert.equal(table.brokerAddr, h.addr);
    const g = await h.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from(JSON.stringify({ groupName: 'GX', retryMaxTimes: 3 })));
    assert.equal(g.code, 0);
    const groups = JSON.parse((await h.call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body?.toString() ?? '{}') as {
      subscriptionGroupTable: Record<string, { retryMaxTimes: number; consumeEnable: boolean }>;
    };
    assert.deepEqual(groups.subscriptionGroupTable.GX && [groups.subscriptionGroupTable.GX.retryMaxTimes, groups.subscriptionGroupTable.GX.consumeEnable], [3, true]);
    assert.equal((await h.call(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: 'TD', readQueueNums: 2, writeQueueNums: 2, perm: 6 })).code, 0);
    assert.equal((await h.send('TD', 'x')).code, 0);
    assert.equal((await h.call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'TD' })).code, 0);
    assert.equal((await h.send('TD', 'x', {}, { c: '' })).code, 17);
    assert.equal((await h.call(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: 'SCHEDULE_TOPIC_XXXX' })).code, 1);
  } finally {
    await h.close();
  }
});
