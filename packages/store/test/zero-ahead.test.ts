// The commit log written with zeros ahead of its appends (SYNC_FLUSH): the zeros never land on
// data, and they do reach the file.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { segmentName } from '../src/index.js';
import { DefaultMessageStore } from '../src/default-message-store.js';
import { resolveStoreConfig } from '../src/store-config.js';
import { msg, readQueue, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

test('zeros written just ahead of racing appends never overwrite data, across segment rolls', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // 8 KiB ahead in 8 KiB chunks: every turn's appends reach into the chunk being zeroed.
    const config = { storePathRootDir: dir, storeHost: '127.0.0.1:10911', flushDiskType: 'SYNC_FLUSH' as const, mappedFileSizeCommitLog: MiB, zeroAheadBytes: 8192 };
    const store = new DefaultMessageStore(config);
    await store.start();
    const sent = new Map<number, string[]>();
    let seq = 0;
    const appender = async (w: number): Promise<void> => {
      const q = w % 4;
      for (let i = 0; i < 40; i++) {
        const n = seq++;
        const body = `${n}:`.padEnd(200 + ((n * 7919) % 2800), String.fromCharCode(97 + (n % 26)));
        const r = await store.putMessage(msg('ZT', q, body));
        assert.equal(r.status, 'PUT_OK', r.remark);
        const list = sent.get(q) ?? [];
        list[r.queueOffset] = body;
        sent.set(q, list);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, w) => appender(w)));
    assert.ok(store.getMaxPhyOffset() > 2 * MiB, 'the appends span several segments');
    await store.shutdown();
    // A new store reads everything from the files (nothing is in its hot tail).
    const again = new DefaultMessageStore(config);
    await again.start();
    try {
      for (const [q, bodies] of sent) {
        const got = await readQueue(again, 'ZT', q);
        assert.deepEqual(
          got.map((m) => m.body.toString()),
          bodies,
          `queue ${q}`,
        );
      }
    } finally {
      await again.shutdown();
    }
  } finally {
    await cleanup();
  }
});

test('with zero-ahead the blocks past the last record are written; without it the file stays sparse', async () => {
  for (const zeroAheadBytes of [MiB, 0]) {
    const { dir, cleanup } = await tempDir();
    try {
      const store = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '127.0.0.1:10911', flushDiskType: 'SYNC_FLUSH', zeroAheadBytes });
      await store.start();
      for (let i = 0; i < 10; i++) assert.equal((await store.putMessage(msg('ZT', 0, `m${i}`))).status, 'PUT_OK');
      const end = store.getMaxPhyOffset();
      await store.shutdown();
      const allocated = statSync(join(dir, 'commitlog', segmentName(0))).blocks * 512;
      if (zeroAheadBytes > 0) assert.ok(allocated >= end + MiB - 4096, `${allocated} bytes allocated for ${end} bytes of records`);
      else assert.ok(allocated < 64 * 1024, `${allocated} bytes allocated without zero-ahead`);
    } finally {
      await cleanup();
    }
  }
});

test('zero-ahead is on by default with SYNC_FLUSH only', () => {
  const base = { storePathRootDir: '/unused', storeHost: '127.0.0.1:10911' };
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'SYNC_FLUSH' }).zeroAheadBytes, 16 * MiB);
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'ASYNC_FLUSH' }).zeroAheadBytes, 0);
  assert.equal(resolveStoreConfig(base).zeroAheadBytes, 0);
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'SYNC_FLUSH', zeroAheadBytes: 0 }).zeroAheadBytes, 0);
});
