// Store benchmark: append throughput (1 KiB and 128 B records; ASYNC_FLUSH and SYNC_FLUSH
// with 64 concurrent putMessage appenders, ASYNC_FLUSH with 16 senders of 32-message
// putMessages batches), SYNC_FLUSH with one appender (one fdatasync per record), and catch-up
// reads, each against a raw sequential write (4 MiB writes + fdatasync per 4 MiB) of the same
// bytes measured in the same run. `--quick` keeps it under a minute. The last line is JSON.
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

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-bench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What the disk gives a plain sequential writer of the same bytes: `writeSize` writes with an
 * fdatasync every 4 MiB. 4 MiB writes are the headline baseline (the size a writer that
 * buffers like the store's chunks would use); 1 MiB writes are reported beside it.
 */
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
    // Batches of 32 from 16 senders: the broker's path for SEND_BATCH frames.
    const batchRun = await withDir((dir) => appendRun(dir, 'ASYNC_FLUSH', size, 16, { bytes }, undefined, 32));
    const rawAgain = await rawWrite(bytes);
    const rawMb = (raw + rawAgain) / 2;
    const raw1m = await rawWrite(bytes, MB);
    const syncRun = await withDir((dir) => appendRun(dir, 'SYNC_FLUSH', size, 64, { seconds: syncSeconds }));
    const single = await withDir((dir) => appendRun(dir, 'SYNC_FLUSH', size, 1, { seconds: quick ? 1.5 : 4 }));
    console.log(
      `${label}: raw ${rawMb.toFixed(0)} MB/s (1 MiB writes ${raw1m.toFixed(0)}) | ASYNC x64 ${asyncRun.mbPerSec.toFixed(0)} MB/s (${(asyncRun.appendsPerSec / 1000).toFixed(0)}k/s, ratio ${(asyncRun.mbPerSec / rawMb).toFixed(2)})` +
        ` | ASYNC batch 32 x16 ${batchRun.mbPerSec.toFixed(0)} MB/s (ratio ${(batchRun.mbPerSec / rawMb).toFixed(2)})` +
        ` | SYNC x64 ${syncRun.mbPerSec.toFixed(1)} MB/s (${(syncRun.appendsPerSec / 1000).toFixed(1)}k/s, ratio ${(syncRun.mbPerSec / rawMb).toFixed(3)})` +
        ` | SYNC x1 ${single.appendsPerSec.toFixed(0)}/s | catch-up hot ${hot.mbPerSec.toFixed(0)} MB/s (${(hot.mbPerSec / rawMb).toFixed(2)})` +
        ` cold ${cold.mbPerSec.toFixed(0)} MB/s (${(cold.mbPerSec / rawMb).toFixed(2)})`,
    );
    out[`raw_mb_s_${label}`] = round(rawMb, 1);
    out[`async_mb_s_${label}`] = round(asyncRun.mbPerSec, 1);
    out[`async_appends_s_${label}`] = Math.round(asyncRun.appendsPerSec);
    out[`async_ratio_${label}`] = round(asyncRun.mbPerSec / rawMb, 3);
    out[`raw_1m_writes_mb_s_${label}`] = round(raw1m, 1);
    out[`async_ratio_vs_1m_writes_${label}`] = round(asyncRun.mbPerSec / raw1m, 3);
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

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
