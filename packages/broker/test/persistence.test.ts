import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeRecords } from '@contrail/common';
import { RequestCode } from '@contrail/remoting';
import { createTopic, startBroker } from './broker-harness.js';

test('topics, groups, offsets and messages survive a restart (file store)', async () => {
  const first = await startBroker({ memory: false });
  const dir = first.dir;
  await createTopic(first, 'TP', 2);
  assert.equal((await first.send('TP', 'kept')).code, 0);
  await first.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'GP', topic: 'TP', queueId: 0, commitOffset: 1 });
  await first.close(true);

  const offsets = JSON.parse(await readFile(join(dir, 'config', 'consumerOffset.json'), 'utf8')) as unknown;
  assert.deepEqual(offsets, { offsetTable: { 'TP@GP': { '0': 1 } } });
  const topics = JSON.parse(await readFile(join(dir, 'config', 'topics.json'), 'utf8')) as { topicConfigTable: Record<string, unknown>; dataVersion: unknown };
  assert.ok(topics.topicConfigTable.TP);
  assert.ok(topics.dataVersion);

  const second = await startBroker({ memory: false, dir });
  try {
    const q = await second.call(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'GP', topic: 'TP', queueId: 0 });
    assert.equal(q.extFields.offset, '1');
    const pulled = await second.pull('TP', 0, 0);
    assert.equal(decodeRecords(pulled.body ?? Buffer.alloc(0))[0]?.body.toString(), 'kept');
  } finally {
    await second.close();
  }
});
