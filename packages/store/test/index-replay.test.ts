// What a start rebuilds from the commit log: only the records past what the checkpoint, the
// consume queues and the index files vouch for, also when no record carries a key; everything
// when consumequeue/ is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultMessageStore, writeCheckpointFile, type MessageStoreConfig } from '../src/index.js';
import { msg, readQueue, tempDir } from './helpers.js';

function config(dir: string): MessageStoreConfig {
  return { storePathRootDir: dir, storeHost: '10.0.0.9:10911', mappedFileSizeCommitLog: 64 * 1024, maxHashSlotNum: 64, maxIndexNum: 512 };
}

/** Appends `n` records with no KEYS and no UNIQ_KEY; returns each one's commit-log offset. */
async function keyless(dir: string, n: number): Promise<number[]> {
  const s = new DefaultMessageStore(config(dir));
  await s.start();
  const offsets: number[] = [];
  try {
    for (let i = 0; i < n; i++) offsets.push((await s.putMessage(msg('T', i % 2, `body-${i}`))).physicalOffset);
  } finally {
    await s.shutdown();
  }
  return offsets;
}

async function restartUnclean(dir: string): Promise<{ replayed: number; bodies: string[] }> {
  await writeFile(join(dir, 'abort'), '1');
  const s = new DefaultMessageStore(config(dir));
  await s.start();
  try {
    const bodies = [...(await readQueue(s, 'T', 0)), ...(await readQueue(s, 'T', 1))].map((m) => m.body.toString());
    return { replayed: s.stats().recoveryReplayedRecords, bodies };
  } finally {
    await s.shutdown();
  }
}

test('a log whose records carry no keys keeps an index file, so an unclean start replays nothing the checkpoint vouches for', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await keyless(dir, 20);
    assert.equal((await readdir(join(dir, 'index'))).length, 1, 'an index file exists without any key');
    const r = await restartUnclean(dir);
    assert.equal(r.replayed, 0);
    assert.equal(r.bodies.length, 20);
  } finally {
    await cleanup();
  }
});

test('an unclean start replays from the checkpoint\'s consume-queue offset, not from the log\'s start', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const offsets = await keyless(dir, 20);
    const end = (offsets[19] as number) + ((offsets[19] as number) - (offsets[18] as number));
    // Consume queues vouched for up to record 12 only: records 12-19 are dispatched again.
    await writeCheckpointFile(join(dir, 'checkpoint'), {
      physicMsgTimestamp: 0,
      logicsMsgTimestamp: 0,
      indexMsgTimestamp: 0,
      physicOffset: end,
      logicsOffset: offsets[12] as number,
      indexOffset: offsets[12] as number,
    });
    const r = await restartUnclean(dir);
    assert.equal(r.replayed, 8);
    assert.deepEqual(r.bodies.sort(), Array.from({ length: 20 }, (_, i) => `body-${i}`).sort());
  } finally {
    await cleanup();
  }
});

test('a clean start with consumequeue/ removed rebuilds every queue from the log, queue offsets included', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await keyless(dir, 20);
    await rm(join(dir, 'consumequeue'), { recursive: true, force: true });
    const s = new DefaultMessageStore(config(dir));
    await s.start();
    try {
      assert.equal(s.stats().recoveryReplayedRecords, 20);
      assert.deepEqual(
        (await readQueue(s, 'T', 0)).map((m) => [m.queueOffset, m.body.toString()]),
        Array.from({ length: 10 }, (_, i) => [i, `body-${2 * i}`]),
      );
      assert.equal(s.getMaxOffsetInQueue('T', 1), 10);
      assert.equal((await s.putMessage(msg('T', 1, 'next'))).queueOffset, 10, 'appends go on after the rebuilt entries');
    } finally {
      await s.shutdown();
    }
  } finally {
    await cleanup();
  }
});
