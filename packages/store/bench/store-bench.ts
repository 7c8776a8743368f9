// Store benchmark: append throughput (1 KiB and 128 B records; ASYNC_FLUSH and SYNC_FLUSH
// with 64 concurrent putMessage appenders, ASYNC_FLUSH with 16 senders of 32-message
// putMessages batches), SYNC_FLUSH with one appender (one fdatasync per record), and catch-up
// reads, each against a raw sequential write (+ fdatasync per 4 MiB) of the same bytes
// measured in the same run: the fastest of three runs with 4 MiB writes and one with 1 MiB
// writes. `--quick` keeps it under a minute. The last line is JSON.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultMessageStore, type FlushDiskType, type PutMessageInput } from '../src/index.js';

const quick = process.argv.includes('--quick');
// The store logs each start at info level; the numbers are the output here.
process.env.CONTRAIL_LOG_LEVEL ??= 'warn';
const MB = 1024 * 1024;

function input(body: Buffer, queueId: number): PutMessageInput {
  return {
    topic: 'BenchTopic',
    queueId,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:50000',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body,
    properties: 'TAGS\u0001TagA\u0002UNIQ_KEY\u00017F00000100002A9F0000000000000001\u0002WAIT\u0001true',
  };
}

/**
 * Every run's directory stays until the end: deleting hundreds of MB on a filesystem mounted
 * with `discard` (as this VM's is) sends the device TRIMs that slowed the next run's writes
 * and fdatasyncs by up to 6x, whichever run came next.
 */
const dirs: string[] = [];

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-bench-'));
  dirs.push(dir);
  return fn(dir);
}

async function removeDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** What the disk gives a plain sequential writer: `writeSize` writes, fdatasync every 4 MiB. */
async function rawWrite(bytes: number, writeSize = 4 * MB): Promise<number> {
  return withDir(async (dir) => {
    const fd = openSync(join(dir, 'raw'), 'w');
    const chunk = Buffer.alloc(writeSize, 7);
    const t0 = performance.now();
    let done = 0;
    let sinceSync = 0;
    while (done < bytes) {
      const n = Math.min(writeSize, bytes - done);
      writeSync(fd, chunk, 0, n, done);
      done += n;
      sinceSync += n;
      if (sinceSync >= 4 * MB) {
        fdatasyncSync(fd);
        sinceSync = 0;
      }
    }
    fdatasyncSync(fd);
    const secs = (performance.now() - t0) / 1000;
    closeSync(fd);
    return bytes / MB / secs;
  });
}

interface AppendRun {
  appendsPerSec: number;
  mbPerSec: number;
  bytes: number;
  count: number;
}

async function appendRun(
  dir: string,
  mode: FlushDiskType,
  bodySize: number,
  appenders: number,
  limit: { bytes?: number; seconds?: number },
  keepOpen?: (store: DefaultMessageStore) => Promise<void>,
  batch = 1,
): Promise<AppendRun> {
  const store = new DefaultMessageStore({
    storePathRootDir: dir,
    storeHost: '127.0.0.1:10911',
    flushDiskType: mode,
    mappedFileSizeCommitLog: 256 * MB,
  });
  await store.start();
  const body = Buffer.alloc(bodySize, 0x61);
  const msgs = [0, 1, 2, 3].map((q) => input(body, q));
  // A SEND_BATCH frame: `batch` messages to one queue, appended with one putMessages call.
  const batches = [0, 1, 2, 3].map((q) => Array.from({ length: batch }, () => input(body, q)));
  let bytes = 0;
  let count = 0;
  const byteLimit = limit.bytes ?? Number.MAX_SAFE_INTEGER;
  const deadline = limit.seconds === undefined ? Number.MAX_SAFE_INTEGER : performance.now() + limit.seconds * 1000;
  const t0 = performance.now();
  const worker = async (w: number): Promise<void> => {
    const m = msgs[w % msgs.length] as PutMessageInput;
    const b = batches[w % batches.length] as PutMessageInput[];
    while (bytes < byteLimit && performance.now() < deadline) {
      const r = batch === 1 ? await store.putMessage(m) : await store.putMessages(b);
      if (r.status !== 'PUT_OK') throw new Error(`put failed: ${r.status} ${r.remark ?? ''}`);
      bytes += r.wroteBytes;
      count += r.msgNum;
    }
  };
  await Promise.all(Array.from({ length: appenders }, (_, i) => worker(i)));
  const secs = (performance.now() - t0) / 1000;
  if (keepOpen !== undefined) await keepOpen(store);
  await store.shutdown();
  return { appendsPerSec: count / secs, mbPerSec: bytes / MB / secs, bytes, count };
}

/** Reads every queue from offset 0 to the end with 32-message pulls. */
async function catchUp(store: DefaultMessageStore): Promise<{ mbPerSec: number; bytes: number }> {
  const t0 = performance.now();
  let bytes = 0;
  for (let q = 0; q < 4; q++) {
    let offset = 0;
    const max = store.getMaxOffsetInQueue('BenchTopic', q);
    while (offset < max) {
      const r = await store.getMessage('BenchTopic', q, offset, 32);
      bytes += r.totalBytes;
      offset = r.nextBeginOffset;
      if (r.status !== 'FOUND') throw new Error(`pull status ${r.status} at ${offset}`);
    }
  }
  return { mbPerSec: bytes / MB / ((performance.now() - t0) / 1000), bytes };
}

function round(x: number, d = 2): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  const volume = quick ? 96 * MB : 512 * MB;
  const syncSeconds = quick ? 3 : 8;
  const out: Record<string, number> = {};
  for (const [label, size] of [
    ['1k', 1024],
    ['128b', 128],
  ] as const) {
    const bytes = label === '1k' ? volume : volume / 4;
    // Warm-up, not measured: a process's first appends run slower until V8 has compiled the
    // append path and sized its heap for it, which in a run of a few hundred milliseconds is a
    // fair part of it. Measured (96 MiB runs of ASYNC x64 one after another, 2026-11-25): 490-620
    // MB/s for the first two runs, 730-840 MB/s from the third on; after three runs of 24 MiB,
    // the first 96 MiB run made 729-753. So each shape warms up for a time, not a volume.
    await withDir((dir) => appendRun(dir, 'ASYNC_FLUSH', size, 64, { seconds: quick ? 0.5 : 1 }));
    await withDir((dir) => appendRun(dir, 'ASYNC_FLUSH', size, 16, { seconds: quick ? 0.25 : 0.5 }, undefined, 32));
    const raw = await rawWrite(bytes);
    let cold = { mbPerSec: 0, bytes: 0 };
    let hot = { mbPerSec: 0, bytes: 0 };
    const asyncRun = await withDir(async (dir) => {
      const r = await appendRun(dir, 'ASYNC_FLUSH', size, 64, { bytes }, async (s) => {
        hot = await catchUp(s);
      });
      // A fresh process view: nothing in the hot tail, every pull reads the files.
      const again = new DefaultMessageStore({ storePathRootDir: dir, storeHost: '127.0.0.1:10911', mappedFileSizeCommitLog: 256 * MB });
      await again.start();
      cold = await catchUp(again);
      await again.shutdown();
      return r;
    });
    const rawMid = await rawWrite(bytes);
    // Batches of 32 from 16 senders: the broker's path for SEND_BATCH frames.
    const batchRun = await withDir((dir) => appendRun(dir, 'ASYNC_FLUSH', size, 16, { bytes }, undefined, 32));
    const rawAgain = await rawWrite(bytes);
    // This disk's sequential rate swings by up to 6x between runs minutes apart (310-2,300
    // MB/s), so the ratios are taken against the fastest of four raw runs: what the disk was
    // seen to do in this run, not a slow moment of it. The median is reported beside it.
    const raws = [raw, rawMid, rawAgain].sort((a, b) => a - b);
    const raw1m = await rawWrite(bytes, MB);
    const rawMb = Math.max(raw, rawMid, rawAgain, raw1m);
    const syncRun = await withDir((dir) => appendRun(dir, 'SYNC_FLUSH', size, 64, { seconds: syncSeconds }));
    const single = await withDir((dir) => appendRun(dir, 'SYNC_FLUSH', size, 1, { seconds: quick ? 1.5 : 4 }));
    console.log(
      `${label}: raw ${rawMb.toFixed(0)} MB/s (fastest of 4 MiB writes ${raws.map((r) => r.toFixed(0)).join(', ')}; 1 MiB writes ${raw1m.toFixed(0)}) | ASYNC x64 ${asyncRun.mbPerSec.toFixed(0)} MB/s (${(asyncRun.appendsPerSec / 1000).toFixed(0)}k/s, ratio ${(asyncRun.mbPerSec / rawMb).toFixed(2)})` +
        ` | ASYNC batch 32 x16 ${batchRun.mbPerSec.toFixed(0)} MB/s (ratio ${(batchRun.mbPerSec / rawMb).toFixed(2)})` +
        ` | SYNC x64 ${syncRun.mbPerSec.toFixed(1)} MB/s (${(syncRun.appendsPerSec / 1000).toFixed(1)}k/s, ratio ${(syncRun.mbPerSec / rawMb).toFixed(3)})` +
        ` | SYNC x1 ${single.appendsPerSec.toFixed(0)}/s | catch-up hot ${hot.mbPerSec.toFixed(0)} MB/s (${(hot.mbPerSec / rawMb).toFixed(2)})` +
        ` cold ${cold.mbPerSec.toFixed(0)} MB/s (${(cold.mbPerSec / rawMb).toFixed(2)})`,
    );
    out[`raw_mb_s_${label}`] = round(rawMb, 1);
    out[`raw_4m_min_mb_s_${label}`] = round(raws[0] as number, 1);
    out[`raw_4m_median_mb_s_${label}`] = round(raws[1] as number, 1);
    out[`raw_4m_max_mb_s_${label}`] = round(raws[2] as number, 1);
    out[`async_mb_s_${label}`] = round(asyncRun.mbPerSec, 1);
    out[`async_appends_s_${label}`] = Math.round(asyncRun.appendsPerSec);
    out[`async_ratio_${label}`] = round(asyncRun.mbPerSec / rawMb, 3);
    out[`raw_1m_writes_mb_s_${label}`] = round(raw1m, 1);
    out[`async_ratio_vs_4m_median_${label}`] = round(asyncRun.mbPerSec / (raws[1] as number), 3);
    out[`async_batch_mb_s_${label}`] = round(batchRun.mbPerSec, 1);
    out[`async_batch_ratio_${label}`] = round(batchRun.mbPerSec / rawMb, 3);
    out[`sync64_mb_s_${label}`] = round(syncRun.mbPerSec, 2);
    out[`sync64_appends_s_${label}`] = Math.round(syncRun.appendsPerSec);
    out[`sync64_ratio_${label}`] = round(syncRun.mbPerSec / rawMb, 4);
    out[`sync1_appends_s_${label}`] = Math.round(single.appendsPerSec);
    out[`sync_speedup_${label}`] = round(syncRun.appendsPerSec / single.appendsPerSec, 1);
    out[`catchup_hot_mb_s_${label}`] = round(hot.mbPerSec, 1);
    out[`catchup_cold_mb_s_${label}`] = round(cold.mbPerSec, 1);
    out[`catchup_cold_ratio_${label}`] = round(cold.mbPerSec / rawMb, 3);
  }
  const result = {
    async_ratio: out.async_ratio_1k ?? 0,
    async_batch_ratio: out.async_batch_ratio_1k ?? 0,
    sync_speedup: out.sync_speedup_1k ?? 0,
    ...out,
  };
  console.log(JSON.stringify(result));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(removeDirs);
