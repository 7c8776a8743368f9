// How late arbitrary-time messages are. Starts a broker (file store, temp dir), sends messages
// with TIMER_DELIVER_MS spread over a window, long-polls the topic and reports lateness: the
// delivered record's store time minus its due time (broker side) and the time a consumer saw
// it minus its due time. Optionally parks many far-future timers first, to show the broker's
// memory does not grow with them: heap used and RSS (after a full GC) at the start, after a
// warm-up of --warmup plain messages (same size, no timer: what any traffic costs), and at each
// quarter of --pending, each taken once the timer service has enqueued every timer sent so far.
// The broker runs in this process, so RSS includes the sending client (which keeps nothing
// per message). The store's hot tail (recent commit log kept in memory, hotTailBytes) is the
// largest fixed term; --hot-tail-mib keeps it small and the same throughout.
//
//   node --expose-gc packages/broker/dist/bench/timer-lateness.js [--messages 20000]
//     [--window-ms 5000] [--precision-ms 1000] [--pending 0] [--pending-spread-sec 7200]
//     [--hot-tail-mib 16] [--warmup min(250000, pending / 4)]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prop, decodeRecords, encodeProperties } from '@contrail/common';
import { RemotingClient, RequestCode, createRequest } from '@contrail/remoting';
import { Broker } from '../src/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

const MESSAGES = arg('messages', 20_000);
const WINDOW_MS = arg('window-ms', 5000);
const PRECISION_MS = arg('precision-ms', 1000);
const PENDING = arg('pending', 0);
const PENDING_SPREAD_SEC = arg('pending-spread-sec', 7200);
const HOT_TAIL_MIB = arg('hot-tail-mib', 16);
const WARMUP = arg('warmup', Math.min(250_000, Math.round(PENDING / 4)));
const LEAD_MS = 1500;
const TOPIC = 'TIMER_BENCH';
const WARMUP_TOPIC = 'TIMER_BENCH_WARMUP';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-timer-bench-'));
  const broker = new Broker({
    brokerName: 'bench',
    listenPort: 0,
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: dir,
    namesrvAddr: [],
    timerPrecisionMs: PRECISION_MS,
    mappedFileSizeCommitLog: 64 * 1024 * 1024,
    // Small and fixed: the store's in-memory hot tail would otherwise fill up to 256 MiB with
    // the parked messages and hide whether the timer's own memory grows.
    hotTailBytes: HOT_TAIL_MIB * 1024 * 1024,
  });
  await broker.start();
  const client = new RemotingClient();
  const addr = `127.0.0.1:${broker.port}`;
  try {
    for (const topic of [TOPIC, WARMUP_TOPIC]) {
      await client.invoke(addr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic, readQueueNums: '1', writeQueueNums: '1', perm: '6' }), 5000);
    }
    const send = (body: string, props: Record<string, string>, topic = TOPIC): Promise<unknown> =>
      client.invoke(
        addr,
        createRequest(
          RequestCode.SEND_MESSAGE_V2,
          { a: 'PID_BENCH', b: topic, c: 'TBW102', d: '4', e: '0', f: '0', g: String(Date.now()), h: '0', i: encodeProperties(props), j: '0', k: 'false' },
          Buffer.from(body),
        ),
        10_000,
      );
    const inFlight = async (n: number, one: (i: number) => Promise<unknown>): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 256 }, async () => {
          while (next < n) await one(next++);
        }),
      );
    };

    if (PENDING > 0) {
      const mib = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
      const enqueued = async (): Promise<number> => {
        try {
          const cp = JSON.parse(await readFile(join(dir, 'config', 'timerCheckpoint.json'), 'utf8')) as { enqueueOffset?: number };
          return cp.enqueueOffset ?? 0;
        } catch {
          return 0;
        }
      };
      const rows: { at: string; pending: number; heapUsedMiB: number; heapTotalMiB: number; rssMiB: number; externalMiB: number; hotTailMiB: number }[] = [];
      const sample = async (at: string, pending: number): Promise<void> => {
        // The checkpoint is written every timerFlushIntervalMs: once it counts every timer
        // sent, they are all in the timer log and the wheel.
        while ((await enqueued()) < pending) await new Promise((r) => setTimeout(r, 200));
        await new Promise((r) => setTimeout(r, 1500));
        global.gc?.();
        await new Promise((r) => setTimeout(r, 100));
        global.gc?.();
        const m = process.memoryUsage();
        rows.push({ at, pending, heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), rssMiB: mib(m.rss), externalMiB: mib(m.external), hotTailMiB: mib(broker.store.stats().hotTailBytes) });
      };
      if (global.gc === undefined) console.log('warning: run with --expose-gc, or the heap figures include garbage');
      await sample('start', 0);
      if (WARMUP > 0) {
        // The same traffic without timers: what the broker grows to under load whatever the
        // messages are (hot tail filling, V8 and native memory after a burst of sends).
        await inFlight(WARMUP, (i) => send(`p${i}`, {}, WARMUP_TOPIC));
        await sample('warmed up', 0);
      }
      const t0 = Date.now();
      let sent = 0;
      for (let q = 1; q <= 4; q++) {
        const upTo = Math.round((PENDING * q) / 4);
        const from = sent;
        await inFlight(upTo - from, (i) => send(`p${from + i}`, { [Prop.TIMER_DELAY_SEC]: String(3600 + ((from + i) % PENDING_SPREAD_SEC)) }));
        sent = upTo;
        await sample('', sent);
      }
      const took = Date.now() - t0;
      console.log(
        `pending timers (due 1 h to ${(3600 + PENDING_SPREAD_SEC) / 3600} h ahead), hotTailBytes ${HOT_TAIL_MIB} MiB, after a full GC${global.gc === undefined ? ' (NOT: no --expose-gc)' : ''}; ` +
          `warm-up ${WARMUP} plain messages; ${PENDING} timers parked in ${took} ms:`,
      );
      console.log('               pending  heap used  heap total        RSS  external  hot tail');
      const col = (v: number, w: number): string => `${v.toFixed(1)} MiB`.padStart(w);
      for (const r of rows) {
        console.log(`  ${r.at.padEnd(10)}${String(r.pending).padStart(10)}  ${col(r.heapUsedMiB, 9)}  ${col(r.heapTotalMiB, 10)}  ${col(r.rssMiB, 9)}  ${col(r.externalMiB, 8)}  ${col(r.hotTailMiB, 8)}`);
      }
      console.log(JSON.stringify({ pendingMemory: rows, hotTailMiB: HOT_TAIL_MIB, spreadSec: PENDING_SPREAD_SEC, warmup: WARMUP }));
    }

    const due = new Map<string, number>();
    const t0 = Date.now() + LEAD_MS;
    await inFlight(MESSAGES, (i) => {
      const at = t0 + Math.floor((i / MESSAGES) * WINDOW_MS) + (i % 97);
      due.set(`b${i}`, at);
      return send(`b${i}`, { [Prop.TIMER_DELIVER_MS]: String(at) });
    });
    const sentAt = Date.now();
    if (sentAt > t0) console.log(`warning: sending took until ${sentAt - t0} ms past the first due time`);

    const storeLate: number[] = [];
    const seenLate: number[] = [];
    let early = 0;
    let offset = 0;
    const deadline = t0 + WINDOW_MS + 30_000;
    while (offset < MESSAGES && Date.now() < deadline) {
      const r = await client.invoke(
        addr,
        createRequest(RequestCode.PULL_MESSAGE, {
          consumerGroup: 'GID_BENCH',
          topic: TOPIC,
          queueId: '0',
          queueOffset: String(offset),
          maxMsgNums: '256',
          sysFlag: '6',
          commitOffset: '0',
          suspendTimeoutMillis: '1000',
          subscription: '*',
          subVersion: '0',
        }),
        5000,
      );
      const seen = Date.now();
      if (r.code !== 0) {
        if (process.env.DEBUG_BENCH) console.log(r.code, r.remark, r.extFields);
        continue;
      }
      for (const m of decodeRecords(r.body ?? Buffer.alloc(0))) {
        offset = m.queueOffset + 1;
        const d = due.get(m.body.toString());
        if (d === undefined) continue;
        if (m.storeTimestamp < d) early++;
        storeLate.push(m.storeTimestamp - d);
        seenLate.push(seen - d);
      }
    }
    storeLate.sort((a, b) => a - b);
    seenLate.sort((a, b) => a - b);
    const fmt = (xs: number[]): string => `p50 ${pct(xs, 50)} ms, p99 ${pct(xs, 99)} ms, max ${xs.at(-1) ?? NaN} ms`;
    console.log(`timer lateness, ${storeLate.length}/${MESSAGES} messages over ${WINDOW_MS} ms, precision ${PRECISION_MS} ms`);
    console.log(`  stored in the real topic: ${fmt(storeLate)}`);
    console.log(`  seen by a long-polling consumer: ${fmt(seenLate)}`);
    console.log(`  early: ${early}`);
    console.log(
      JSON.stringify({
        lateness: { messages: MESSAGES, received: storeLate.length, windowMs: WINDOW_MS, precisionMs: PRECISION_MS, pending: PENDING, early },
        storedMs: { p50: pct(storeLate, 50), p99: pct(storeLate, 99), max: storeLate.at(-1) ?? null },
        seenMs: { p50: pct(seenLate, 50), p99: pct(seenLate, 99), max: seenLate.at(-1) ?? null },
      }),
    );
  } finally {
    await client.shutdown();
    await broker.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
