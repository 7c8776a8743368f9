// Appends waiting for their durability point (written for ASYNC_FLUSH, fdatasync'ed for
// SYNC_FLUSH), in offset order. Parallel arrays and a head index: no object, timer or clock
// read per append. A sweep timer turns the overdue ones into FLUSH_DISK_TIMEOUT: it ticks
// every tenth of the timeout (10 ms to 1 s), each append records the tick it arrived in, and
// an append is overdue once a whole timeout of ticks has passed since the end of that tick,
// so it waits at least the timeout and at most about one tick more (plus the timer's own
// lateness). The sweep starts with the first append and runs until stop(), unref'ed (pending
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
  /** Ticks after an append's own tick at whose sweep it is overdue. */
  private readonly overdueTicks: number;
  private sweep: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.tickMs = Math.min(1000, Math.max(10, timeoutMs / 10));
    this.overdueTicks = Math.ceil(timeoutMs / this.tickMs) + 1;
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
    this.tick++;
    const ticks = this.ticks;
    let h = this.head;
    while (h < ticks.length && this.tick - (ticks[h] as number) >= this.overdueTicks) {
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
