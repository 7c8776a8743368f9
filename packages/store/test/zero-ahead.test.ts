// The commit log written with zeros ahead of its appends (SYNC_FLUSH): the zeros never land on
// data, and they do reach the file.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { segmentName } from '../src/index.js';
import { DefaultMessageStore } from '../src/default-message-store.js';
import { resolveStoreConfig } from '../src/store-config.js';
import { SegmentFile } from '../src/segment-file.js';
import { ZERO_MAX_GROUP_BYTES, ZeroAhead } from '../src/zero-ahead.js';
import { msg, readQueue, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

test('zeros written just ahead of racing appends never overwrite data, across segment rolls', async () => {
  const { dir, cleanup } = await tempDir();
  const stores: DefaultMessageStore[] = [];
  try {
    // 8 KiB ahead in 8 KiB chunks: every turn's appends reach into the chunk being zeroed.
    const config = { storePathRootDir: dir, storeHost: '127.0.0.1:10911', flushDiskType: 'SYNC_FLUSH' as const, mappedFileSizeCommitLog: MiB, zeroAheadBytes: 8192 };
    const store = new DefaultMessageStore(config);
    stores.push(store);
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
    stores.push(again);
    await again.start();
    for (const [q, bodies] of sent) {
      const got = await readQueue(again, 'ZT', q);
      assert.deepEqual(
        got.map((m) => m.body.toString()),
        bodies,
        `queue ${q}`,
      );
    }
  } finally {
    for (const st of stores) await st.shutdown();
    await cleanup();
  }
});

test('with zero-ahead the blocks past the last record are written; without it the file stays sparse', async () => {
  for (const zeroAheadBytes of [MiB, 0]) {
    const { dir, cleanup } = await tempDir();
    const stores: DefaultMessageStore[] = [];
    try {
      const store = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '127.0.0.1:10911', flushDiskType: 'SYNC_FLUSH', zeroAheadBytes });
      stores.push(store);
      await store.start();
      for (let i = 0; i < 10; i++) assert.equal((await store.putMessage(msg('ZT', 0, `m${i}`))).status, 'PUT_OK');
      const end = store.getMaxPhyOffset();
      await store.shutdown();
      const allocated = statSync(join(dir, 'commitlog', segmentName(0))).blocks * 512;
      if (zeroAheadBytes > 0) assert.ok(allocated >= end + MiB - 4096, `${allocated} bytes allocated for ${end} bytes of records`);
      else assert.ok(allocated < 64 * 1024, `${allocated} bytes allocated without zero-ahead`);
    } finally {
      for (const st of stores) await st.shutdown();
      await cleanup();
    }
  }
});

test('zero-ahead is on by default: 16 MiB with SYNC_FLUSH, 8 MiB for mapped writes with ASYNC_FLUSH', () => {
  const base = { storePathRootDir: '/unused', storeHost: '127.0.0.1:10911' };
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'SYNC_FLUSH' }).zeroAheadBytes, 16 * MiB);
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'ASYNC_FLUSH', mappedWrites: false }).zeroAheadBytes, 0);
  assert.equal(resolveStoreConfig(base).zeroAheadBytes, 8 * MiB);
  assert.equal(resolveStoreConfig({ ...base, flushDiskType: 'SYNC_FLUSH', zeroAheadBytes: 0 }).zeroAheadBytes, 0);
});

/** A ZeroAhead on a real segment file, counting its chunks; `settled` waits for quiet. */
async function zeroer(dir: string, segSize: number, ahead: number, chunk: number) {
  const seg = new SegmentFile(dir, 0, segSize, 0);
  await seg.open(true);
  let chunks = 0;
  let wake: (() => void) | undefined;
  const z = new ZeroAhead(ahead, chunk, () => {
    chunks++;
    wake?.();
  }, (err) => assert.fail(err));
  const chunkDone = (): Promise<void> => new Promise((r) => (wake = r));
  return { seg, z, chunks: () => chunks, chunkDone };
}

test('zeroing stops at the end of a segment and does not start over', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const segSize = 64 * 1024;
    const { seg, z, chunks, chunkDone } = await zeroer(dir, segSize, segSize, 16 * 1024);
    const end = segSize - 30_000;
    // Drive it as the commit log does: advance after every chunk, until it stops starting any.
    for (let i = 0; i < 10; i++) {
      const before = chunks();
      const done = chunkDone();
      z.advance(end, seg);
      if (!z.blocks(segSize)) break;
      await done;
      assert.equal(chunks(), before + 1);
    }
    // [ceil(end / 4096) * 4096, segSize) in 16 KiB chunks: two of them.
    assert.equal(chunks(), 2);
    z.advance(end, seg);
    assert.equal(z.blocks(segSize), false, 'nothing more to zero in this segment');
    assert.ok(statSync(seg.path).blocks * 512 >= 28 * 1024, "the zeros reached the file");
    await seg.close();
  } finally {
    await cleanup();
  }
});

test('every stop() waits for the chunk in flight, and nothing starts after it', { timeout: 20_000 }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { seg, z, chunks } = await zeroer(dir, 4 * MiB, 4 * MiB, MiB);
    z.advance(0, seg);
    assert.ok(z.blocks(1), 'a chunk is in flight');
    // Two at once (a shutdown racing another): both resolve, after the chunk.
    await Promise.all([z.stop(), z.stop()]);
    assert.equal(chunks(), 1);
    z.advance(0, seg);
    assert.equal(z.blocks(1), false, 'stopped for good');
    await seg.close();
  } finally {
    await cleanup();
  }
});

test("a store's flush() leaves zeroing on", async () => {
  const { dir, cleanup } = await tempDir();
  const store = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '127.0.0.1:10911', flushDiskType: 'SYNC_FLUSH', zeroAheadBytes: MiB });
  try {
    await store.start();
    assert.equal((await store.putMessage(msg('ZT', 0, 'first'))).status, 'PUT_OK');
    await store.flush();
    // Past the first MiB: only zeroing that is still on has the blocks after it written.
    const big = Buffer.alloc(4000, 0x62);
    while (store.getMaxPhyOffset() < 1.5 * MiB) assert.equal((await store.putMessage(msg('ZT', 0, big))).status, 'PUT_OK');
    const end = store.getMaxPhyOffset();
    await store.shutdown();
    const allocated = statSync(join(dir, 'commitlog', segmentName(0))).blocks * 512;
    assert.ok(allocated >= end + MiB - 4096, `${allocated} bytes allocated for ${end} bytes of records`);
  } finally {
    await store.shutdown();
    await cleanup();
  }
});

test('zeroing pauses while group commits are large and resumes when they are small again', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { seg, z, chunks, chunkDone } = await zeroer(dir, 4 * MiB, MiB, 64 * 1024);
    for (let i = 0; i < 20; i++) z.flushed(4 * ZERO_MAX_GROUP_BYTES);
    z.advance(0, seg);
    assert.equal(z.blocks(1), false, 'no zeros while each fdatasync carries a large group');
    for (let i = 0; i < 40; i++) z.flushed(20 * 1024);
    const done = chunkDone();
    z.advance(0, seg);
    assert.ok(z.blocks(1), 'zeroing again');
    await done;
    assert.equal(chunks(), 1);
    await z.stop();
    await seg.close();
  } finally {
    await cleanup();
  }
});
