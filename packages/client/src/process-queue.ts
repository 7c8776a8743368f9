// One queue a push consumer owns: the messages pulled and not yet consumed (ascending
// offsets), what an orderly consumer has taken for its current batch, the lock state, and the
// wake-up of its pull loop. The offset to commit is always the smallest offset still held,
// so a commit never passes a message that has not been consumed.
import type { MessageExt } from './message-ext.js';
import type { MessageQueue } from './message-queue.js';
import type { SubscriptionData } from './subscription.js';
import { WakeSignal } from './wake-signal.js';

/** An orderly consumer stops consuming a queue whose lock it has not renewed for this long. */
export const LOCK_EXPIRED_MS = 30_000;

export class ProcessQueue {
  readonly mq: MessageQueue;
  sub: SubscriptionData;
  /** Pulled, not consumed; Map order = ascending offset (pulls arrive in order). */
  #msgs = new Map<number, MessageExt>();
  /** Taken by the orderly consumer for the batch in progress. */
  #consuming = new Map<number, MessageExt>();
  msgSize = 0;
  /** Highest offset ever put here. */
  maxOffset = -1;
  /** Next offset to pull; undefined until the start offset has been worked out. */
  pullOffset: number | undefined;
  dropped = false;
  /** Given up and its offset handed back: late results must not touch the offset store. */
  released = false;
  locked = false;
  lastLockTimestamp = 0;
  /** Batches handed to the listener and not finished. */
  inFlight = 0;
  readonly signal = new WakeSignal();
  /** Woken whenever inFlight drops to zero. */
  readonly idle = new WakeSignal();
  loop: Promise<void> | undefined;
  /** The orderly consume loop of this queue, while one runs. */
  orderlyLoop: Promise<void> | undefined;

  constructor(mq: MessageQueue, sub: SubscriptionData) {
    this.mq = mq;
    this.sub = sub;
  }

  get count(): number {
    return this.#msgs.size + this.#consuming.size;
  }

  get waiting(): number {
    return this.#msgs.size;
  }

  lockExpired(now = Date.now()): boolean {
    return now - this.lastLockTimestamp > LOCK_EXPIRED_MS;
  }

  put(msgs: readonly MessageExt[]): void {
    for (const m of msgs) {
      if (m.queueOffset <= this.maxOffset || this.#msgs.has(m.queueOffset)) continue;
      this.#msgs.set(m.queueOffset, m);
      this.msgSize += m.body.length;
      this.maxOffset = m.queueOffset;
    }
  }

  /** Forgets consumed messages; returns the offset to commit now, or -1 when nothing was held. */
  remove(msgs: readonly MessageExt[]): number {
    if (this.#msgs.size === 0) return -1;
    for (const m of msgs) {
      const held = this.#msgs.get(m.queueOffset);
      if (held === undefined) continue;
      this.#msgs.delete(m.queueOffset);
      this.msgSize -= held.body.length;
    }
    return this.#firstHeld() ?? this.maxOffset + 1;
  }

  /** Orderly: the next `n` messages in offset order, kept aside until commit() or again(). */
  take(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (const [offset, m] of this.#msgs) {
      if (out.length >= n) break;
      out.push(m);
      this.#msgs.delete(offset);
      this.#consuming.set(offset, m);
    }
    return out;
  }

  /** Orderly: the taken batch is consumed; returns the offset to commit. */
  commit(): number {
    let last = -1;
    for (const [offset, m] of this.#consuming) {
      this.msgSize -= m.body.length;
      last = Math.max(last, offset);
    }
    this.#consuming.clear();
    return last >= 0 ? last + 1 : (this.#firstHeld() ?? this.maxOffset + 1);
  }

  /** Orderly: these taken messages go back to the front, to be consumed again first. */
  again(msgs: readonly MessageExt[]): void {
    const back = new Map<number, MessageExt>();
    for (const m of msgs) {
      if (this.#consuming.delete(m.queueOffset)) back.set(m.queueOffset, m);
    }
    const sorted = new Map([...back].sort((a, b) => a[0] - b[0]));
    for (const [o, m] of this.#msgs) sorted.set(o, m);
    this.#msgs = sorted;
  }

  clear(): void {
    this.#msgs.clear();
    this.#consuming.clear();
    this.msgSize = 0;
  }

  #firstHeld(): number | undefined {
    for (const offset of this.#msgs.keys()) return offset;
    return undefined;
  }
}
