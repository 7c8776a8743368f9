// Zeroing ahead of the commit log's data (segment-warmer.ts): it never touches record bytes,
// record writes wait for a zero write they would reach into, and it really writes ahead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BLANK_MAGIC_CODE, decodeRecord } from '@contrail/common';
import { DefaultMessageStore, type MessageStoreConfig, type PutMessageInput } from '../src/index.js';
import { SegmentFile } from '../src/segment-file.js';
import { SegmentWarmer } from '../src/segment-warmer.js';
import { msg, readQueue, tempDir } from './helpers.js';

const SEG = 64 * 1024;

test('a zero write starts after the encoded data, blocks record writes that reach into it, and leaves the data alone', async () => {
  const { dir, cleanup } = await tempDir();
  const seg = new SegmentFile(dir, 0, SEG, 0);
  try {
    await seg.write(Buffer.alloc(5000, 0x5a), 0);
    let done = 0;
    const warmer = new SegmentWarmer(16 * 1024, () => done++);
    warmer.warm(seg, 5000, 5000);
    // Zeros start at the page after the last encoded byte and run one step (half of ahead).
    assert.equal(warmer.blocks(seg, 8192), false, 'a write ending at the zeros does not wait');
    assert.equal(warmer.blocks(seg, 8193), true, 'a write reaching into them waits');
    assert.equal(warmer.blocks(new SegmentFile(dir, SEG, SEG, 0), 8193), false, 'another segment does not wait');
    await warmer.stop();
    assert.equal(done, 1);
    assert.equal(warmer.blocks(seg, SEG), false);
    const bytes = await readFile(seg.path);
    assert.ok(bytes.subarray(0, 5000).every((b) => b === 0x5a), 'data intact');
    assert.ok(bytes.subarray(5000).every((b) => b === 0), 'zeros after it');
    // Written, not a hole: the file has blocks for the zeroed step.
    assert.ok((await stat(seg.path)).blocks * 512 >= 8192 + 8192, 'zeroed pages are allocated');
    warmer.warm(seg, 5000, 5000);
    assert.equal(warmer.blocks(seg, SEG), false, 'nothing starts after stop');
  } finally {
    await seg.close();
    await cleanup();
  }
});

/** The bytes of every commit-log segment, in order. */
async function segments(dir: string): Promise<Buffer[]> {
  const names = (await readdir(join(dir, 'commitlog'))).sort();
  return Promise.all(names.map((n) => readFile(join(dir, 'commitlog', n))));
}

/** Bytes of the commit log's files that are allocated on disk. */
async function allocated(dir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(join(dir, 'commitlog'))) n += (await stat(join(dir, 'commitlog', name))).blocks * 512;
  return n;
}

async function fill(cfg: MessageStoreConfig): Promise<{ sent: Map<number, Buffer[]>; end: number }> {
  const s = new DefaultMessageStore(cfg);
  await s.start();
  const sent = new Map<number, Buffer[]>([
    [0, []],
    [1, []],
  ]);
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Concurrent appenders of mixed sizes and batches: record writes keep running into the
  // zeros in flight, and segments roll every few dozen records.
  const appender = async (w: number): Promise<void> => {
    for (let i = 0; i < 60; i++) {
      const q = (w + i) % 2;
      const count = rand(4) === 0 ? 1 + rand(5) : 1;
      const bodies = Array.from({ length: count }, () => Buffer.alloc(1 + rand(3000), 1 + rand(250)));
      // Bodies are queued before the put: a queue's order is the order of its appends.
      (sent.get(q) as Buffer[]).push(...bodies);
      const inputs: PutMessageInput[] = bodies.map((b) => msg('Warm', q, b));
      const r = count === 1 ? await s.putMessage(inputs[0] as PutMessageInput) : await s.putMessages(inputs);
      assert.equal(r.status, 'PUT_OK');
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(appender));
  const end = s.getMaxPhyOffset();
  await s.shutdown();
  return { sent, end };
}

for (const warmAheadBytes of [16 * 1024, 0]) {
  test(`records written with warmAheadBytes ${warmAheadBytes} read back intact, and the files hold only zeros after the data`, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const cfg: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: SEG, hotTailBytes: 0, warmAheadBytes };
      const { sent, end } = await fill(cfg);
      const segs = await segments(dir);
      assert.equal(segs.length, Math.ceil(end / SEG));
      // Walk every segment: records, then a blank marker or the end of data, then zeros.
      for (let i = 0; i < segs.length; i++) {
        const b = segs[i] as Buffer;
        let pos = 0;
        while (pos < b.length) {
          const size = b.readInt32BE(pos);
          if (size === 0) break;
          if (b.readInt32BE(pos + 4) === BLANK_MAGIC_CODE) {
            pos = b.length;
            break;
          }
          decodeRecord(b.subarray(pos, pos + size), 0, { checkCrc: true });
          pos += size;
        }
        if (i === segs.length - 1) assert.equal(i * SEG + pos, end, 'the last segment ends where the log does');
        assert.ok(b.subarray(pos).every((x) => x === 0), `segment ${i}: only zeros after the data`);
      }
      // The last segment is zeroed ahead of the data when warming is on, a hole when off.
      const last = segs.length - 1;
      const dataInLast = end - last * SEG;
      const lastAllocated = (await stat(join(dir, 'commitlog', (await readdir(join(dir, 'commitlog'))).sort()[last] as string))).blocks * 512;
      const dataPages = Math.ceil(dataInLast / 4096) * 4096;
      assert.ok(SEG - dataPages >= 8192, 'room for a zero step after the data (the fill is deterministic)');
      if (warmAheadBytes > 0) assert.ok(lastAllocated >= dataPages + 8192, `zeroed ahead: ${lastAllocated} allocated for ${dataInLast} of data`);
      else assert.ok(lastAllocated < dataPages + 8192, `a hole past the data: ${lastAllocated} allocated for ${dataInLast}`);
      assert.ok((await allocated(dir)) > 0);
      // And a restart reads every queue back in order, from the files.
      const s = new DefaultMessageStore(cfg);
      await s.start();
      try {
        for (const [q, bodies] of sent) {
          const got = await readQueue(s, 'Warm', q);
          assert.equal(got.length, bodies.length);
          got.forEach((m, i) => assert.ok(m.body.equals(bodies[i] as Buffer), `queue ${q} message ${i}`));
        }
      } finally {
        await s.shutdown();
      }
    } finally {
      await cleanup();
    }
  });
}
