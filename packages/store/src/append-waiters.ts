// Appends waiting for their durability point (written for ASYNC_FLUSH, fdatasync'ed for
// SYNC_FLUSH), in offset order. One array and a head index: no timer or closure per append;
// one sweep timer turns the overdue ones into FLUSH_DISK_TIMEOUT. The sweep starts with the
// first append and runs until stop(), unref'ed (pending writes keep the process up), rather
// than being made again each time the waiters drain, which under load is every write.
import type { PutMessageResult, PutMessageStatus } from './message-store.js';

interface Waiter {
  end: number;
  deadline: number;
  result: PutMessageResult;
  resolve: (r: PutMessageResult) => void;
}

export class AppendWaiters {
  private items: Waiter[] = [];
  private head = 0;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  add(end: number, result: PutMessageResult): Promise<PutMessageResult> {
    return new Promise((resolve) => {
      this.items.push({ end, deadline: performance.now() + this.timeoutMs, result, resolve });
      if (this.sweep === undefined) {
        this.sweep = setInterval(this.expire, Math.min(1000, Math.max(10, this.timeoutMs / 5)));
        this.sweep.unref();
      }
    });
  }

  /** Resolves every append that ends at or below offset. */
  resolveUpTo(offset: number): void {
    const items = this.items;
    let h = this.head;
    while (h < items.length) {
      const w = items[h] as Waiter;
      if (w.end > offset) break;
      w.resolve(w.result);
      h++;
    }
    this.advance(h);
  }

  /** Resolves everything still waiting with the given status. */
  failAll(status: PutMessageStatus, remark: string): void {
    const items = this.items;
    for (let h = this.head; h < items.length; h++) {
      const w = items[h] as Waiter;
      w.result.status = status;
      w.result.remark = remark;
      w.resolve(w.result);
    }
    this.advance(items.length);
  }

  stop(): void {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private readonly expire = (): void => {
    const now = performance.now();
    const items = this.items;
    let h = this.head;
    while (h < items.length) {
      const w = items[h] as Waiter;
      if (w.deadline > now) break;
      w.result.status = 'FLUSH_DISK_TIMEOUT';
      w.resolve(w.result);
      h++;
    }
    this.advance(h);
  };

  private advance(h: number): void {
    this.head = h;
    if (h === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (h > 4096 && h * 2 > this.items.length) {
      this.items = this.items.slice(h);
      this.head = 0;
    }
  }
}
