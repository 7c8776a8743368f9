// Mapped writes (ASYNC_FLUSH with the native helper): appends encode straight into a shared
// mapping of the segment file, below the zeros written ahead. The records must read back byte
// for byte from memory, from the files after a restart and by key; chunks that leave the hot
// tail give their pages back (MADV_DONTNEED) without a gap; and the hot tail finds records in a
// chunk that follows one closed before its buffer was full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '@contrail/common';
import { DefaultMessageStore, type MessageStoreConfig } from '../src/index.js';
import { MAPPED_WRITE_FS_TYPES } from '../src/default-message-store.js';
import { HotTail } from '../src/hot-tail.js';
import { nativeHelper } from '../src/native-helper.js';
import type { SegmentFile } from '../src/segment-file.js';
import { msg, readQueue, tempDir } from './helpers.js';

const MiB = 1024 * 1024;
const helper = nativeHelper();
// On Linux in CI the helper must have been built: a silent skip would hide a broken build.
const skip = helper?.mapShared === undefined && !(process.platform === 'linux' && process.env.CI === 'true');

function body(i: number): Buffer {
  const b = Buffer.alloc(100 + ((i * 7919) % 1100), i % 251);
  b.write(`#${i}#`);
  return b;
}

async function appendAll(s: DefaultMessageStore, n: number): Promise<void> {
  // 32 appenders, as a broker's connections would: groups of records per turn.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const r = await s.putMessage(msg('T', i % 4, body(i), { KEYS: `k${i}` }));
      assert.equal(r.status, 'PUT_OK');
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function checkAll(s: DefaultMessageStore, n: number): Promise<void> {
  let seen = 0;
  for (const q of [0, 1, 2, 3]) {
    for (const m of await readQueue(s, 'T', q)) {
      const i = Number(m.properties.KEYS?.slice(1));
      assert.equal(i % 4, q);
      assert.ok(m.body.equals(body(i)), `record ${i}`);
      seen++;
    }
  }
  assert.equal(seen, n);
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    const r = await s.queryMessage('T', `k${i}`, 4, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(r.buffers.length, 1, `k${i} found`);
    assert.ok(decodeRecord(r.buffers[0] as Buffer).body.equals(body(i)));
  }
}

test('ASYNC_FLUSH appends go through the segment mapping and read back byte for byte, from memory and after a restart', { skip }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const config: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 2 * MiB, zeroAheadBytes: MiB };
    const n = 12_000;
    const s = new DefaultMessageStore(config);
    await s.start();
    await appendAll(s, n);
    const st = s.stats();
    // The start of each segment is written from memory until its zeros are there.
    assert.ok(st.mappedWriteBytes > st.maxPhyOffset / 2, `${st.mappedWriteBytes} of ${st.maxPhyOffset} bytes through the mapping`);
    await checkAll(s, n);
    await s.shutdown();
    const again = new DefaultMessageStore(config);
    await again.start();
    await checkAll(again, n);
    // And appends go on after the records found at start.
    const r = await again.putMessage(msg('T', 0, body(n), { KEYS: `k${n}` }));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.queueOffset, n / 4);
    await again.shutdown();
  } finally {
    await cleanup();
  }
});

test('with mappedWrites off nothing goes through a mapping and no zeros are written ahead', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 2 * MiB, mappedWrites: false });
    await s.start();
    await appendAll(s, 3000);
    assert.equal(s.stats().mappedWriteBytes, 0);
    await checkAll(s, 3000);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});

test('chunks leaving the hot tail give their mapped pages back, every page of each segment, with no gap', { skip }, async () => {
  const h = helper as NonNullable<typeof helper>;
  const original = h.dontNeed;
  assert.ok(original !== undefined);
  const released = new Map<ArrayBufferLike, Array<[number, number]>>();
  h.dontNeed = (buffer, from, to) => {
    const list = released.get(buffer) ?? [];
    list.push([from, to]);
    released.set(buffer, list);
    return original(buffer, from, to);
  };
  const { dir, cleanup } = await tempDir();
  try {
    const s = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 2 * MiB, zeroAheadBytes: MiB, hotTailBytes: 256 * 1024 });
    await s.start();
    await appendAll(s, 12_000);
    assert.ok(s.stats().mappedWriteBytes > 0);
    await s.shutdown();
    // At least the first segments (2 MiB each) were mapped and left the hot tail whole.
    const whole = [...released.values()].filter((ranges) => ranges.some(([, to]) => to >= 2 * MiB - 4096));
    assert.ok(whole.length >= 2, `${whole.length} segments given back whole`);
    for (const ranges of whole) {
      ranges.sort((a, b) => a[0] - b[0]);
      assert.equal(ranges[0]?.[0], 0, 'from the segment start');
      for (let k = 1; k < ranges.length; k++) {
        const [from] = ranges[k] as [number, number];
        const [, prevTo] = ranges[k - 1] as [number, number];
        assert.ok(from <= prevTo, `no gap: ${from} after ${prevTo}`);
        assert.equal(from % 4096, 0, 'from a page start');
      }
    }
  } finally {
    h.dontNeed = original;
    await cleanup();
  }
});

test('the hot tail finds a record in the chunk after one closed before its buffer was full', () => {
  const tail = new HotTail(MiB, 4096);
  const segment = { start: 0, size: MiB } as unknown as SegmentFile;
  const a = tail.add(0, 4096, segment);
  a.buf.fill(1, 0, 1000);
  a.used = 1000;
  a.written = 1000;
  // The next chunk starts where a's records end, inside a's buffer (as when a mapped chunk
  // runs out of zeroed room, or the log goes back to memory chunks).
  const b = tail.add(1000, 4096, segment);
  b.buf.fill(2, 0, 500);
  b.used = 500;
  b.written = 500;
  assert.ok(tail.slice(1200, 100)?.equals(Buffer.alloc(100, 2)), 'bytes of the second chunk');
  assert.ok(tail.slice(900, 100)?.equals(Buffer.alloc(100, 1)), 'bytes of the first chunk');
  assert.equal(tail.slice(1400, 200), undefined, 'past what was appended');
});

test('mapped writes go off for good when populating pages fails, and appends go on from memory', { skip }, async () => {
  const h = helper as NonNullable<typeof helper>;
  const original = h.zeroFill;
  assert.ok(original !== undefined);
  // A kernel without MADV_POPULATE_WRITE: the zeros are written, the populate fails (EINVAL).
  h.zeroFill = async (fd, filePos, buffer, from, to) => {
    const errno = await original(fd, filePos, null, from, to);
    return errno === 0 ? -22 : errno;
  };
  const { dir, cleanup } = await tempDir();
  try {
    const s = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 2 * MiB, zeroAheadBytes: MiB });
    await s.start();
    await appendAll(s, 6000);
    assert.equal(s.stats().mappedWriteBytes, 0, 'nothing went through a mapping');
    await checkAll(s, 6000);
    await s.shutdown();
  } finally {
    h.zeroFill = original;
    await cleanup();
  }
});

test('mapped writes are used on ext2/3/4, XFS and tmpfs only', () => {
  assert.ok(MAPPED_WRITE_FS_TYPES.has(0xef53), 'ext4');
  assert.ok(MAPPED_WRITE_FS_TYPES.has(0x58465342), 'XFS');
  assert.ok(MAPPED_WRITE_FS_TYPES.has(0x01021994), 'tmpfs');
  assert.ok(!MAPPED_WRITE_FS_TYPES.has(0x9123683e), 'not btrfs (copy on write: an overwrite needs new space)');
  assert.ok(!MAPPED_WRITE_FS_TYPES.has(0x2fc12fc1), 'not ZFS');
  assert.ok(!MAPPED_WRITE_FS_TYPES.has(0x6969), 'not NFS');
});
