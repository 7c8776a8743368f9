// Appends waiting for their durability point (written for ASYNC_FLUSH, fdatasync'ed for
// SYNC_FLUSH), in offset order. Parallel arrays and a head index: no object, timer or clock
// read per append. A sweep timer turns the overdue ones into FLUSH_DISK_TIMEOUT: it ticks
// every tenth of the timeout (10 ms to 1 s) and records when, and each append records the tick
// it arrived in. An append came before the next tick, so once a timeout has passed since that
// tick it has waited at least the timeout, and it resolves at the first sweep after that (an
// interval timer's ticks can come up to a millisecond short, so counting ticks alone is not
// enough). The sweep starts with the first append and runs until stop(), unref'ed (pending
// writes keep the process up), rather than being made again each time the waiters drain,
// which under load is every write.
import type { PutMessageResult, PutMessageStatus } from './message-store.js';

export class AppendWaiters {
  private ends: number[] = [];
  private ticks: number[] = [];
  private results: PutMessageResult[] = [];
  private resolvers: Array<(r: PutMessageResult) => void> = [];
  private head = 0;
  private tick = 0;
  private readonly tickMs: number;
  /** Ticks after an append's own tick before which it cannot be overdue. */
  private readonly overdueTicks: number;
  /** When each of the last ticks ran (performance.now()), by tick % length. */
  private readonly tickTimes: Float64Array;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {
    this.tickMs = Math.min(1000, Math.max(10, timeoutMs / 10));
    this.overdueTicks = Math.ceil(timeoutMs / this.tickMs);
    // Enough ticks back that an append whose next tick has dropped out of it waited (ticks at
    // least tickMs - 1 apart) well over the timeout.
    this.tickTimes = new Float64Array(this.overdueTicks + 4);
  }

  get size(): number {
    return this.ends.length - this.head;
  }

  add(end: number, result: PutMessageResult): Promise<PutMessageResult> {
    return new Promise((resolve) => {
      this.ends.push(end);
      this.ticks.push(this.tick);
      this.results.push(result);
      this.resolvers.push(resolve);
      if (this.sweep === undefined) {
        this.sweep = setInterval(this.expire, this.tickMs);
        this.sweep.unref();
      }
    });
  }

  /** Resolves every append that ends at or below offset. */
  resolveUpTo(offset: number): void {
    const ends = this.ends;
    let h = this.head;
    while (h < ends.length && (ends[h] as number) <= offset) {
      (this.resolvers[h] as (r: PutMessageResult) => void)(this.results[h] as PutMessageResult);
      h++;
    }
    this.advance(h);
  }

  /** Resolves everything still waiting with the given status. */
  failAll(status: PutMessageStatus, remark: string): void {
    const n = this.ends.length;
    for (let h = this.head; h < n; h++) {
      const r = this.results[h] as PutMessageResult;
      r.status = status;
      r.remark = remark;
      (this.resolvers[h] as (r: PutMessageResult) => void)(r);
    }
    this.advance(n);
  }

  stop(): void {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private readonly expire = (): void => {
    const now = performance.now();
    const tick = ++this.tick;
    const times = this.tickTimes;
    times[tick % times.length] = now;
    const ticks = this.ticks;
    let h = this.head;
    while (h < ticks.length) {
      const next = (ticks[h] as number) + 1;
      if (tick - next < this.overdueTicks - 1) break;
      // The append came before tick `next`: it has waited at least since then.
      if (tick - next < times.length && now - (times[next % times.length] as number) < this.timeoutMs) break;
      const r = this.results[h] as PutMessageResult;
      r.status = 'FLUSH_DISK_TIMEOUT';
      (this.resolvers[h] as (r: PutMessageResult) => void)(r);
      h++;
    }
    this.advance(h);
  };

  private advance(h: number): void {
    this.head = h;
    const n = this.ends.length;
    if (h === n) {
      this.ends.length = 0;
      this.ticks.length = 0;
      this.results.length = 0;
      this.resolvers.length = 0;
      this.head = 0;
    } else if (h > 4096 && h * 2 > n) {
      this.ends = this.ends.slice(h);
      this.ticks = this.ticks.slice(h);
      this.results = this.results.slice(h);
      this.resolvers = this.resolvers.slice(h);
      this.head = 0;
    }
  }
}
