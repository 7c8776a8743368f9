import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger } from '@contrail/common';
import { DefaultMessageStore, type MessageStoreConfig } from '../src/index.js';
import { DROP_STEP, DropBehind, nativeHelper, trimNativeHeap } from '../src/page-cache.js';
import type { SegmentQueue } from '../src/segment-queue.js';
import { msg, readQueue, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

/** Bytes of `path` in the page cache per util-linux fincore, or undefined without it. */
function residentBytes(path: string): number | undefined {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', path], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : undefined;
}

interface FakeSegment {
  start: number;
  end: number;
  fd: number;
  acquire(): boolean;
  release(): void;
}

function fakeSegments(...bounds: [number, number, number][]): { queue: SegmentQueue; refs: () => number } {
  let refs = 0;
  const segments: FakeSegment[] = bounds.map(([start, end, fd]) => ({
    start,
    end,
    fd,
    acquire: () => (refs++, true),
    release: () => void refs--,
  }));
  return { queue: { segments } as unknown as SegmentQueue, refs: () => refs };
}

function recordingHelper(results: number[] = []): { calls: [number, number, number][]; helper: { dropCache(fd: number, o: number, l: number): Promise<number> }; settle: () => Promise<void> } {
  const calls: [number, number, number][] = [];
  const pending: (() => void)[] = [];
  return {
    calls,
    helper: {
      dropCache: (fd, o, l) => {
        calls.push([fd, o, l]);
        return new Promise<number>((resolve) => pending.push(() => resolve(results.shift() ?? 0)));
      },
    },
    settle: async () => {
      while (pending.length > 0) {
        (pending.shift() as () => void)();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

test('drop-behind asks for whole pages of flushed bytes older than the kept window, per segment file, one request at a time', async () => {
  const segs = fakeSegments([0, 8 * MiB, 10], [8 * MiB, 16 * MiB, 11]);
  const rec = recordingHelper();
  const d = new DropBehind(segs.queue, rec.helper, 1 * MiB, createLogger('test'));
  d.startAt(0);
  d.keepFrom(Number.MAX_SAFE_INTEGER);
  d.flushed(3 * MiB); // 2 MiB behind the window: less than a step
  assert.deepEqual(rec.calls, []);
  d.flushed(1 * MiB + DROP_STEP + 100);
  assert.deepEqual(rec.calls, [[10, 0, DROP_STEP]], 'whole pages only: the partial page stays');
  d.flushed(15 * MiB); // a drop is in flight: wait for it
  assert.equal(rec.calls.length, 1);
  await rec.settle();
  assert.equal(d.droppedBytes, DROP_STEP);
  d.flushed(14 * MiB + 5000);
  const end = 13 * MiB + 4096;
  assert.deepEqual(rec.calls.slice(1), [[10, DROP_STEP, 8 * MiB - DROP_STEP]]);
  await rec.settle();
  assert.deepEqual(rec.calls.slice(2), [[11, 0, end - 8 * MiB]], 'the range crossing into the next segment uses that file and its own offsets');
  assert.equal(d.droppedBytes, end);
  assert.equal(segs.refs(), 0, 'every segment acquired for a drop is released');
});

test('drop-behind leaves the log as recovered alone and stops for good after the kernel refuses', async () => {
  const segs = fakeSegments([0, 64 * MiB, 7]);
  const rec = recordingHelper([22]);
  const d = new DropBehind(segs.queue, rec.helper, 0, createLogger('test'));
  d.startAt(20 * MiB + 123);
  d.keepFrom(Number.MAX_SAFE_INTEGER);
  d.flushed(22 * MiB);
  assert.deepEqual(rec.calls, [], 'less than a step past where the log stood at start-up');
  d.flushed(30 * MiB);
  assert.deepEqual(rec.calls, [[7, 20 * MiB, 10 * MiB]]);
  await rec.settle();
  d.flushed(60 * MiB);
  assert.equal(rec.calls.length, 1, 'EINVAL turned drop-behind off');
  assert.equal(d.droppedBytes, 0);
});

test('drop-behind keeps what a start after a crash would check: nothing before the first checkpoint, then from its verifyFrom', async () => {
  const segs = fakeSegments([0, 16 * MiB, 3], [16 * MiB, 32 * MiB, 4]);
  const rec = recordingHelper();
  const d = new DropBehind(segs.queue, rec.helper, 0, createLogger('test'));
  d.startAt(0);
  d.flushed(20 * MiB);
  assert.deepEqual(rec.calls, [], 'no checkpoint yet');
  d.keepFrom(16 * MiB);
  d.flushed(30 * MiB);
  assert.deepEqual(rec.calls, [[3, 0, 16 * MiB]], 'from the checkpoint verifyFrom on, pages stay cached');
  await rec.settle();
  d.flushed(31 * MiB);
  assert.equal(rec.calls.length, 1);
});

test('drop-behind turns itself off when the helper throws, without an unhandled rejection', async () => {
  const segs = fakeSegments([0, 64 * MiB, 7]);
  let calls = 0;
  const d = new DropBehind(
    segs.queue,
    {
      dropCache: () => {
        calls++;
        throw new Error('ENOMEM');
      },
    },
    0,
    createLogger('test'),
  );
  d.startAt(0);
  d.keepFrom(Number.MAX_SAFE_INTEGER);
  d.flushed(8 * MiB);
  await new Promise((r) => setImmediate(r));
  d.flushed(30 * MiB);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1);
  assert.equal(d.droppedBytes, 0);
  assert.equal(segs.refs(), 0);
});

test('pageCacheKeepBytes must be a whole number of bytes', () => {
  for (const bad of [-1, Number.NaN, 1.5]) {
    assert.throws(() => new DefaultMessageStore({ storePathRootDir: '/nonexistent', storeHost: '10.0.0.1:10911', pageCacheKeepBytes: bad }), { code: 'CONFIG_INVALID' });
  }
});

const mustHaveHelper = process.platform === 'linux' && process.env.CI === 'true';

test('the native helper is built on Linux and answers like posix_fadvise', { skip: nativeHelper() === null && !mustHaveHelper }, async () => {
  const helper = nativeHelper();
  assert.ok(helper !== null, 'packages/store/native was not built by npm ci (see native/build.mjs)');
  const { dir, cleanup } = await tempDir();
  try {
    const fd = openSync(join(dir, 'f'), 'w+');
    writeSync(fd, Buffer.alloc(MiB, 7));
    fdatasyncSync(fd);
    const before = residentBytes(join(dir, 'f'));
    assert.equal(await helper.dropCache(fd, 0, MiB), 0);
    const after = residentBytes(join(dir, 'f'));
    if (before !== undefined && after !== undefined) {
      assert.equal(before, MiB, 'the written MiB was cached');
      assert.equal(after, 0, 'and is dropped');
    }
    closeSync(fd);
    assert.equal(await helper.dropCache(fd, 0, MiB), 9, 'EBADF for a closed descriptor');
    assert.throws(() => (helper.dropCache as (...a: unknown[]) => unknown)('x', 0, 1), { name: 'TypeError' });
    assert.throws(() => (helper.dropCache as (...a: unknown[]) => unknown)(1, 0), { name: 'TypeError' });
    for (const bad of [[-1, 0, 1], [2 ** 32 + 1, 0, 1], [1, -1, 1], [1, Number.NaN, 1], [1, 1e300, 1], [1, 0, 0], [1, 0, 1.5]]) {
      assert.throws(() => (helper.dropCache as (...a: unknown[]) => unknown)(...bad), { name: 'TypeError' }, JSON.stringify(bad));
    }
  } finally {
    await cleanup();
  }
});

const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime !== undefined;

test('the native helper hands the C heap\'s free pages back (malloc_trim)', { skip: (nativeHelper() === null && !mustHaveHelper) || !glibc }, async () => {
  const helper = nativeHelper();
  assert.ok(helper?.trimMemory !== undefined, 'packages/store/native was not built with trimMemory');
  assert.throws(() => (helper.trimMemory as (...a: unknown[]) => unknown)(1), { name: 'TypeError' });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // 64 MiB in 4 KiB Buffers (from the C heap, not mmap), then one more that keeps the heap's
  // top in use, so free() alone cannot shrink it: only a trim returns the pages.
  let blocks: Buffer[] = Array.from({ length: 16384 }, () => Buffer.allocUnsafeSlow(4096).fill(1));
  const pin = Buffer.allocUnsafeSlow(4096).fill(2);
  assert.equal(blocks.length, 16384);
  blocks = [];
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const before = process.memoryUsage.rss();
  assert.equal(await trimNativeHeap(), true);
  const after = process.memoryUsage.rss();
  assert.ok(before - after >= 32 * MiB, `rss ${before} -> ${after}`);
  assert.equal(pin[0], 2);
});

test('a store dropping every flushed page reads every record back from the files, byte for byte', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const base: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 4 * MiB, hotTailBytes: 4 * MiB };
    const off = new DefaultMessageStore({ ...base, storePathRootDir: join(dir, 'off'), dropPageCacheBehind: false });
    assert.equal(off.stats().pageCacheDroppedBytes, -1);
    const s = new DefaultMessageStore({ ...base, pageCacheKeepBytes: 0, recoveryCheckBytes: 0 });
    await s.start();
    const n = 14_000;
    for (let wave = 0; wave < 14; wave++) {
      const puts = [];
      for (let i = wave * 1000; i < (wave + 1) * 1000; i++) puts.push(s.putMessage(msg('T', i % 3, Buffer.alloc(900 + (i % 200), i % 251), { KEYS: `k${i}` })));
      for (const r of await Promise.all(puts)) assert.equal(r.status, 'PUT_OK');
      await s.flush();
    }
    const helper = nativeHelper();
    if (helper === null) {
      assert.equal(s.stats().pageCacheDroppedBytes, -1);
    } else {
      for (let i = 0; i < 100 && s.stats().pageCacheDroppedBytes < 8 * MiB; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(s.stats().pageCacheDroppedBytes >= 8 * MiB, `dropped ${s.stats().pageCacheDroppedBytes} bytes`);
      // The oldest segment was written, fdatasync'ed and dropped whole (when fincore can tell).
      const first = join(dir, 'commitlog', readdirSync(join(dir, 'commitlog')).sort()[0] as string);
      const resident = residentBytes(first);
      if (resident !== undefined) assert.equal(resident, 0, `${first} still has ${resident} bytes cached`);
    }
    let seen = 0;
    for (const q of [0, 1, 2]) {
      for (const m of await readQueue(s, 'T', q)) {
        const i = Number(m.properties.KEYS?.slice(1));
        assert.equal(i % 3, q);
        assert.ok(m.body.equals(Buffer.alloc(900 + (i % 200), i % 251)), `record ${i}`);
        seen++;
      }
    }
    assert.equal(seen, n);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});
