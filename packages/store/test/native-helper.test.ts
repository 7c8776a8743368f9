// The native helper's CRC32 against the JS one over random inputs, and its fillBodyCrcs against
// the encoder's own BODYCRC, record for record; bad ranges and arguments throw and change nothing.
// Its per-thread sleep count against the process's. Its file mapping calls on a real file.
import { test } from 'node:test';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE, crc32Portable } from '@contrail/common';
import { nativeHelper } from '../src/native-helper.js';
import { RecordEncoder, isPrepareFailure, type PreparedRecord } from '../src/record-encoder.js';
import type { PutMessageInput } from '../src/index.js';
import { msg, tempDir } from './helpers.js';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// On Linux in CI the helper must have been built: a silent skip would hide a broken build.
const mustHaveHelper = process.platform === 'linux' && process.env.CI === 'true';
const helper = nativeHelper();
const skip = (helper === null || helper.fillBodyCrcs === undefined) && !mustHaveHelper;

function native(): Required<Pick<NonNullable<typeof helper>, 'crc32' | 'fillBodyCrcs'>> {
  assert.ok(helper?.crc32 !== undefined && helper.fillBodyCrcs !== undefined, 'the native helper with crc32 and fillBodyCrcs');
  return { crc32: helper.crc32, fillBodyCrcs: helper.fillBodyCrcs };
}

test('native crc32 equals the table CRC32 for every length and alignment', { skip }, () => {
  const { crc32 } = native();
  // Lengths around the 16- and 64-byte steps of the folding loop, and long inputs.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (b % (bytes.length - start + 1));
      assert.equal(crc32(bytes, start, end), crc32Portable(bytes.subarray(start, end)));
    }),
    { numRuns: 2000 },
  );
  for (let n = 0; n <= 300; n++) {
    const bytes = Buffer.from(Array.from({ length: n + 3 }, (_, i) => (i * 131 + n) & 0xff));
    for (const at of [0, 1, 3]) assert.equal(crc32(bytes, at, at + n), crc32Portable(bytes.subarray(at, at + n)), `length ${n} at ${at}`);
  }
  const big = Buffer.alloc(4 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  assert.equal(crc32(big), crc32Portable(big));
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('native crc32 refuses what is not bytes or a range inside them', { skip }, () => {
  const { crc32 } = native();
  const b = Buffer.from('abc');
  assert.throws(() => crc32('abc' as unknown as Uint8Array), TypeError);
  assert.throws(() => crc32(new Uint16Array(2) as unknown as Uint8Array), TypeError);
  assert.throws(() => crc32(b, 2, 1), RangeError);
  assert.throws(() => crc32(b, 0, 4), RangeError);
  assert.throws(() => crc32(b, -1, 2), RangeError);
  assert.throws(() => crc32(b, 0.5, 2), RangeError);
  assert.equal(crc32(b, 1, undefined), crc32Portable(b.subarray(1)));
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

/** Records encoded back to back from `at`, then a blank marker; where they end. */
function encodeAll(enc: RecordEncoder, inputs: PutMessageInput[], target: Buffer, at: number): number {
  let pos = at;
  for (const [i, m] of inputs.entries()) {
    const p = enc.prepare(m);
    assert.ok(!isPrepareFailure(p));
    const prepared = p as PreparedRecord;
    enc.encode(target, pos, prepared, 1000 + pos, i, 1_700_000_000_000 + i);
    pos += prepared.size;
  }
  target.writeInt32BE(64, pos);
  target.writeInt32BE(BLANK_MAGIC_CODE, pos + 4);
  return pos;
}

test('fillBodyCrcs writes the BODYCRC the encoder computes, for IPv4 and IPv6 hosts and any body', { skip }, () => {
  const { fillBodyCrcs } = native();
  const r = rng(11);
  for (const storeHost of ['10.0.0.1:10911', '[::1]:10911']) {
    const inline = new RecordEncoder(storeHost, 4 * 1024 * 1024, [1000]);
    const deferred = new RecordEncoder(storeHost, 4 * 1024 * 1024, [1000], false, false);
    const inputs: PutMessageInput[] = Array.from({ length: 300 }, (_, i) => ({
      topic: 'T',
      queueId: i % 4,
      flag: 0,
      sysFlag: 0,
      bornTimestamp: 1_700_000_000_000,
      bornHost: r() < 0.5 ? '10.1.2.3:5000' : '[fe80::1]:5000',
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.from(Array.from({ length: Math.floor(r() * (r() < 0.2 ? 5000 : 200)) }, () => Math.floor(r() * 256))),
      properties: r() < 0.5 ? '' : 'TAGS\u0001a\u0002KEYS\u0001k' + i,
    }));
    const want = Buffer.alloc(1 << 20, 0xee);
    const got = Buffer.alloc(1 << 20, 0xee);
    const end = encodeAll(inline, inputs, want, 7);
    assert.equal(encodeAll(deferred, inputs, got, 7), end);
    assert.notDeepEqual(got, want, 'the deferred encoder leaves BODYCRC for later');
    // Filled in two ranges split at a record boundary, as two writes of one chunk would be.
    let split = 7;
    for (let i = 0; i < 120; i++) split += got.readInt32BE(split);
    assert.equal(fillBodyCrcs(got, 7, split), 120);
    assert.equal(fillBodyCrcs(got, split, end + 8), inputs.length - 120, 'stops at the blank marker');
    assert.deepEqual(got, want);
  }
});

test('fillBodyCrcs throws at a record that does not fit its range and leaves it as it was', { skip }, () => {
  const { fillBodyCrcs } = native();
  const enc = new RecordEncoder('10.0.0.1:10911', 1 << 20, [1000], false, false);
  const m = msg('T', 0, 'hello');
  const buf = Buffer.alloc(4096);
  const end = encodeAll(enc, [m, m], buf, 0);
  const size = buf.readInt32BE(0);
  const before = Buffer.from(buf);
  // The second record cut short: the first is filled, then the throw.
  assert.throws(() => fillBodyCrcs(buf, 0, end - 1), (e: Error) => e instanceof RangeError && /no whole record at \d+/.test(e.message));
  assert.equal(buf.readInt32BE(size + 8), 0, 'the cut record is not filled');
  assert.notEqual(buf.readInt32BE(8), 0, 'the whole one before it is');
  // Not a record at all.
  buf.fill(0x55, 0, 16);
  assert.throws(() => fillBodyCrcs(buf, 0, end), /magic 0x55555555/);
  // A body length that runs past the record's size.
  const bad = Buffer.from(before);
  bad.writeInt32BE(size, 84);
  assert.throws(() => fillBodyCrcs(bad, 0, end), /overruns the record at 0/);
  assert.equal(bad.readInt32BE(8), 0);
  // A record too short for the hosts its flags announce: refused before its body length is read.
  const short = Buffer.alloc(120);
  short.writeInt32BE(95, 0);
  short.writeInt32BE(MESSAGE_MAGIC_CODE, 4);
  short.writeInt32BE(0x30, 36);
  assert.throws(() => fillBodyCrcs(short, 0, 95), /hosts need 115/);
  assert.throws(() => fillBodyCrcs(before, 0, before.length + 1), RangeError);
  assert.throws(() => fillBodyCrcs(before, 5, 4), RangeError);
  assert.throws(() => (fillBodyCrcs as (...a: unknown[]) => number)(before, 0), TypeError);
  assert.equal(fillBodyCrcs(before, 0, 7), 0, 'fewer than 8 bytes: nothing to fill');
});

test('threadSleeps counts the event loop thread\'s own sleeps in the kernel, not other threads\'', { skip: helper === null && !mustHaveHelper }, async () => {
  assert.ok(helper?.threadSleeps !== undefined, 'the native helper with threadSleeps');
  const sleeps = helper.threadSleeps;
  // A worker thread sleeps 50 times (short waits) while this thread spins: the process's count
  // moves by all of them, this thread's by at most the few waits V8 itself makes it do (a
  // compile job, a lock).
  const worker = new Worker('const s = new Int32Array(new SharedArrayBuffer(4)); require("node:worker_threads").parentPort.on("message", () => { for (let i = 0; i < 50; i++) Atomics.wait(s, 0, 0, 1); });', { eval: true });
  // Waits of 1 ms each: the worker is done well within the spin.
  try {
    await once(worker, 'online');
    const threadBefore = sleeps();
    const processBefore = process.resourceUsage().voluntaryContextSwitches;
    assert.ok(Number.isInteger(threadBefore) && threadBefore >= 0);
    worker.postMessage('go');
    const until = performance.now() + 150;
    while (performance.now() < until);
    const threadSlept = sleeps() - threadBefore;
    assert.ok(process.resourceUsage().voluntaryContextSwitches - processBefore >= 50, 'the worker\'s sleeps count for the process');
    assert.ok(threadSlept < 20, `this thread slept ${threadSlept} times while spinning`);
    // This thread blocked in the kernel (a futex wait that times out) counts.
    const waitedFrom = sleeps();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    assert.ok(sleeps() > waitedFrom);
  } finally {
    await worker.terminate();
  }
});

test('mapShared maps a file for writing, zeroFill writes zeros behind a range, dontNeed keeps the bytes; bad arguments throw', { skip: helper?.mapShared === undefined && !mustHaveHelper }, async () => {
  const h = helper as NonNullable<typeof helper>;
  assert.ok(h.mapShared !== undefined && h.zeroFill !== undefined && h.dontNeed !== undefined, 'the helper has the mapping calls');
  const { dir, cleanup } = await tempDir();
  const path = join(dir, 'seg');
  const fd = openSync(path, 'w+');
  try {
    ftruncateSync(fd, 1 << 20);
    writeSync(fd, Buffer.alloc(8192, 7), 0, 8192, 65536);
    const ab = h.mapShared(fd, 0, 1 << 20);
    const view = Buffer.from(ab);
    assert.equal(view[65536], 7, 'the mapping shows the file');
    // Zeros over [64 KiB, 72 KiB) of the file, then populated in the mapping.
    assert.equal(await h.zeroFill(fd, 65536, ab, 65536, 73728), 0);
    assert.equal(view[65536], 0);
    view.write('through the mapping', 65536);
    assert.equal(readFileSync(path).toString('latin1', 65536, 65536 + 19), 'through the mapping');
    assert.equal(await h.dontNeed(ab, 0, 1 << 20), 0);
    assert.equal(view.toString('latin1', 65536, 65536 + 19), 'through the mapping', 'read again after the pages were let go');
    assert.equal(await h.zeroFill(fd, 0, null, 0, 4096), 0, 'without a mapping: zeros only');
    assert.throws(() => h.mapShared?.(fd, 100, 4096), TypeError, 'offset not page-aligned');
    assert.throws(() => h.zeroFill?.(fd, 0, ab, 10, 5), TypeError, 'to before from');
    assert.throws(() => h.dontNeed?.(ab, 0, (1 << 20) + 1), TypeError, 'past the mapping');
    assert.throws(() => h.mapShared?.(-1, 0, 4096), TypeError);
    // Only mappings: MADV_DONTNEED on ordinary memory would zero it.
    const plain = Buffer.alloc(8192, 1);
    assert.throws(() => h.dontNeed?.(plain.buffer, 0, 8192), TypeError, 'not a mapping');
    assert.ok(plain.every((b) => b === 1));
  } finally {
    closeSync(fd);
    await cleanup();
  }
});
