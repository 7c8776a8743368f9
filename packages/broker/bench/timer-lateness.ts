// How late arbitrary-time messages are. Starts a broker (file store, temp dir), sends messages
// with TIMER_DELIVER_MS spread over a window, long-polls the topic and reports lateness: the
// delivered record's store time minus its due time (broker side) and the time a consumer saw
// it minus its due time. Optionally parks many far-future timers first, to show the broker's
// memory does not grow with them.
//
//   node packages/broker/dist/bench/timer-lateness.js [--messages 20000] [--window-ms 5000]
//     [--precision-ms 1000] [--pending 0]
import { mkdtemp, rm } from 'node:fs/promises';
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
const LEAD_MS = 1500;
const TOPIC = 'TIMER_BENCH';

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
    // Small segments: the store's in-memory hot tail stays small, so RSS shows the timer's memory.
    mappedFileSizeCommitLog: 64 * 1024 * 1024,
  });
  await broker.start();
  const client = new RemotingClient();
  const addr = `127.0.0.1:${broker.port}`;
  try {
    await client.invoke(addr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: TOPIC, readQueueNums: '1', writeQueueNums: '1', perm: '6' }), 5000);
    const send = (body: string, props: Record<string, string>): Promise<unknown> =>
      client.invoke(
        addr,
        createRequest(
          RequestCode.SEND_MESSAGE_V2,
          { a: 'PID_BENCH', b: TOPIC, c: 'TBW102', d: '4', e: '0', f: '0', g: String(Date.now()), h: '0', i: encodeProperties(props), j: '0', k: 'false' },
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
      global.gc?.();
      const before = process.memoryUsage();
      const t0 = Date.now();
      await inFlight(PENDING, (i) => send(`p${i}`, { [Prop.TIMER_DELAY_SEC]: String(3600 + (i % 7200)) }));
      const sent = Date.now() - t0;
      // Let the enqueue catch up and the flush settle.
      await new Promise((r) => setTimeout(r, 3000));
      global.gc?.();
      const after = process.memoryUsage();
      const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
      console.log(
        `pending timers: ${PENDING} parked in ${sent} ms; heap used ${mib(before.heapUsed)} -> ${mib(after.heapUsed)}, RSS ${mib(before.rss)} -> ${mib(after.rss)} (run with --expose-gc)`,
      );
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
