// The workloads, written once against the Driver interface so every peer runs the same loop.
import { nowNs, sinceNs } from './clock.js';
import type { Driver } from './drivers/driver.js';
import { LatencyHistogram, type LatencySummary } from './histogram.js';

export type Metrics = Record<string, number>;

function throughput(n: number, size: number, ns: number): Metrics {
  const secs = ns / 1e9;
  return { n, secs: Math.round(secs * 1000) / 1000, msgs_per_s: Math.round(n / secs), mb_per_s: Math.round((n * size) / secs / 1e5) / 10 };
}

/** W1: `count` sends with at most `window` unacknowledged; time to the last ack. */
export function produce(d: Driver, count: number, size: number, window: number): Promise<Metrics> {
  const body = Buffer.alloc(size, 0x61);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let pumping = false;
    const t0 = nowNs();
    const pump = (): void => {
      pumping = true;
      while (sent - acked < window && sent < count) {
        sent++;
        d.send(body, onAck);
      }
      pumping = false;
    };
    const onAck = (err?: Error): void => {
      if (err !== undefined) return reject(err);
      if (++acked === count) return resolve(throughput(count, size, sinceNs(t0)));
      if (!pumping) pump();
    };
    pump();
  });
}

/**
 * W2: reads back `count` messages from the start of the stream; the clock starts once the
 * reader is set up (as in the peers' reference harness), with nothing fetched yet.
 */
export async function consume(d: Driver, count: number): Promise<Metrics> {
  let bytes = 0;
  const read = await d.readerFromStart();
  const t0 = nowNs();
  const got = await read(count, (b) => {
    bytes += b.length;
  });
  const ns = sinceNs(t0);
  return { ...throughput(got, got > 0 ? bytes / got : 0, ns), received: got };
}

/** W3: one send at a time, each awaited; the first `warmup` are not measured. */
export async function syncSend(d: Driver, count: number, size: number, warmup: number): Promise<LatencySummary> {
  const body = Buffer.alloc(size, 0x61);
  for (let i = 0; i < warmup; i++) await d.sendAndWait(body);
  const h = new LatencyHistogram();
  for (let i = 0; i < count; i++) {
    const t = nowNs();
    await d.sendAndWait(body);
    h.recordNs(sinceNs(t));
  }
  return h.summary();
}

/**
 * W4 producer: `count` messages at `rate` per second, paced by a timer tick (about 1 ms, the
 * same for every peer). Each body carries the send time [0, 8) and the planned time [8, 16).
 */
export function pacedProduce(d: Driver, count: number, rate: number, size: number, window: number): Promise<Metrics> {
  const start = nowNs() + 20_000_000n;
  const intervalNs = 1e9 / rate;
  let i = 0;
  let inflight = 0;
  let maxLagNs = 0;
  let stalls = 0;
  return new Promise((resolve, reject) => {
    const onAck = (err?: Error): void => {
      if (err !== undefined) reject(err);
      inflight--;
    };
    const tick = (): void => {
      const t = nowNs();
      if (t >= start) {
        const due = Math.min(count, Math.floor(Number(t - start) / intervalNs) + 1);
        while (i < due) {
          if (inflight >= window) {
            stalls++;
            break;
          }
          const planned = start + BigInt(Math.round(i * intervalNs));
          maxLagNs = Math.max(maxLagNs, Number(t - planned));
          const body = Buffer.allocUnsafe(size);
          body.fill(0x62, 16);
          body.writeBigUInt64LE(nowNs(), 0);
          body.writeBigUInt64LE(planned, 8);
          inflight++;
          i++;
          d.send(body, onAck);
        }
      }
      if (i >= count) resolve({ sent: i, max_sched_lag_ms: Math.round(maxLagNs / 1e4) / 100, ack_window_stalls: stalls });
      else setTimeout(tick, 0);
    };
    tick();
  });
}

/** W4 consumer side: latency from the send time (and from the planned time) to delivery. */
export class E2eCollector {
  readonly fromSend = new LatencyHistogram();
  readonly fromPlan = new LatencyHistogram();
  received = 0;

  record(body: Buffer): void {
    const t = nowNs();
    this.received++;
    if (body.length < 16) return;
    this.fromSend.recordNs(Number(t - body.readBigUInt64LE(0)));
    this.fromPlan.recordNs(Number(t - body.readBigUInt64LE(8)));
  }
}

/**
 * W5: `drivers.length` concurrent senders, each sending one message at a time and waiting
 * for its ack, for `durationMs`. A driver listed more than once is one client shared by
 * several senders. Aggregate acknowledged messages per second.
 */
export async function concurrentSyncSend(drivers: Driver[], durationMs: number, size: number): Promise<Metrics> {
  const body = Buffer.alloc(size, 0x63);
  const h = new LatencyHistogram();
  let n = 0;
  for (const d of drivers) await d.sendAndWait(body);
  const t0 = nowNs();
  const end = t0 + BigInt(durationMs) * 1_000_000n;
  await Promise.all(
    drivers.map(async (d) => {
      while (nowNs() < end) {
        const t = nowNs();
        await d.sendAndWait(body);
        h.recordNs(sinceNs(t));
        n++;
      }
    }),
  );
  const s = h.summary();
  return { ...throughput(n, size, sinceNs(t0)), producers: drivers.length, p50_us: s.p50_us, p99_us: s.p99_us };
}
