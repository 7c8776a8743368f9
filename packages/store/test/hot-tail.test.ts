import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords } from '@contrail/common';
import { DefaultMessageStore } from '../src/index.js';
import { HotTail, type Chunk } from '../src/hot-tail.js';
import type { SegmentFile } from '../src/segment-file.js';
import { msg, tempDir } from './helpers.js';

const CHUNK = 4096;
const segment = { start: 0, size: 1 << 20 } as unknown as SegmentFile;

/** A hot tail of `chunks` full, written chunks of CHUNK bytes, limited to two chunks. */
function tailOf(chunks: number): { tail: HotTail; made: Chunk[] } {
  const tail = new HotTail(2 * CHUNK, CHUNK);
  const made: Chunk[] = [];
  for (let i = 0; i < chunks; i++) made.push(fill(tail, i));
  return { tail, made };
}

function fill(tail: HotTail, i: number): Chunk {
  const c = tail.add(i * CHUNK, CHUNK, segment);
  c.buf.fill(i + 1);
  c.used = CHUNK;
  c.written = CHUNK;
  return c;
}

test('an evicted chunk whose slices all went out under leases is reused once the last lease is released', () => {
  const { tail, made } = tailOf(2);
  const first = made[0] as Chunk;
  const a = tail.lease();
  const b = tail.lease();
  assert.ok(tail.slice(10, 20, a));
  assert.ok(tail.slice(100, 20, a));
  assert.ok(tail.slice(200, 20, b));
  assert.equal(a.size, 1, 'one chunk held however many slices');
  fill(tail, 2);
  tail.evict();
  assert.equal(tail.chunks[0]?.start, CHUNK, 'the first chunk left the hot tail');
  assert.equal(tail.recycled, 0, 'leases outstanding: not reused');
  a.release();
  a.release(); // idempotent: b still holds it
  assert.equal(tail.recycled, 0);
  b.release();
  assert.equal(tail.recycled, 1);
  const next = fill(tail, 3);
  assert.equal(next.backing, first.backing, 'the next chunk takes the released memory');
});

test('a slice taken without a lease pins its chunk for good', () => {
  const { tail, made } = tailOf(2);
  const view = tail.slice(10, 20);
  assert.ok(view);
  const lease = tail.lease();
  tail.slice(30, 20, lease);
  lease.release();
  fill(tail, 2);
  tail.evict();
  assert.equal(tail.recycled, 0);
  const next = fill(tail, 3);
  assert.notEqual(next.backing, (made[0] as Chunk).backing);
  assert.ok(view.every((b) => b === 1), 'the unleased view still reads what was appended');
});

test('a lease never released keeps its chunk from reuse; slices taken on a released lease pin', () => {
  const { tail } = tailOf(2);
  const kept = tail.lease();
  const view = tail.slice(0, 64, kept);
  assert.ok(view);
  fill(tail, 2);
  tail.evict();
  for (let i = 3; i < 8; i++) {
    fill(tail, i);
    tail.evict();
  }
  assert.ok(view.every((b) => b === 1), 'memory under an unreleased lease is never written again');
  const late = tail.lease();
  late.release();
  const last = tail.current as Chunk;
  assert.ok(tail.slice(last.start, 8, late));
  assert.equal(last.pinned, true, 'a chunk sliced on a released lease is pinned');
  assert.equal(late.size, 0);
});

test('leased pulls while appending: memory comes back for reuse after release, and views still held stay intact', async () => {
  const { dir, cleanup } = await tempDir();
  // 64 KiB segments make 64 KiB chunks; the hot tail keeps two of them.
  const store = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 64 * 1024, hotTailBytes: 128 * 1024 });
  await store.start();
  try {
    const held: { body: string; view: Buffer }[] = [];
    let offset = 0;
    for (let round = 0; round < 40; round++) {
      const puts: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) puts.push(store.putMessage(msg('T', 0, `round ${round} message ${i} `.padEnd(900, String.fromCharCode(97 + (i % 26))))));
      await Promise.all(puts);
      const g = await store.getMessage('T', 0, offset, 20, undefined, undefined, true);
      assert.equal(g.status, 'FOUND');
      assert.equal(g.messageCount, 20);
      offset = g.nextBeginOffset;
      // Every fifth pull is kept, as a response still queued on a slow socket would be.
      if (round % 5 === 0) {
        const first = g.buffers[0] as Buffer;
        held.push({ body: (decodeRecords(first)[0]?.body as Buffer).toString(), view: first });
      } else {
        assert.ok(g.release, 'a pull served from memory has a lease to release');
        g.release();
      }
    }
    assert.ok(store.stats().hotTailRecycledChunks > 0, 'released memory was kept for the next chunk');
    for (const h of held) {
      const again = decodeRecords(h.view, { checkCrc: true })[0];
      assert.equal(again?.body.toString(), h.body, 'a view under an unreleased lease still holds its record');
    }
  } finally {
    await store.shutdown();
    await cleanup();
  }
});

test('prefault takes a written chunk waiting beyond the limit as the spare instead of a new buffer', () => {
  const tail = new HotTail(2 * CHUNK, CHUNK);
  const first = fill(tail, 0);
  fill(tail, 1);
  // A third chunk a quarter full: the first is beyond the limit, written, and not yet evicted
  // (eviction runs when a write completes; the write in flight is into the third chunk).
  const c = tail.add(2 * CHUNK, CHUNK, segment);
  c.used = CHUNK / 4;
  tail.prefault();
  assert.equal(tail.recycled, 1);
  const next = fill(tail, 3);
  assert.equal(next.backing, first.backing);
});
