// Reput: once the commit log is durable up to an offset (per the flush mode's promise), the
// records below it get their consume-queue and index entries, and then the arrive listeners
// hear of them. Works from what the appends recorded, so the hot path never re-reads the
// file; recovery feeds it records decoded from the log instead.
import type { Logger } from '@contrail/common';
import type { ConsumeQueueStore } from './consume-queue-store.js';
import type { DispatchRequest } from './dispatch-request.js';
import type { IndexService } from './index-service.js';
import type { ArriveListener } from './message-store.js';

export class ReputDispatcher {
  /** Every record below has been dispatched. */
  dispatchedOffset = 0;
  private pending: DispatchRequest[] = [];
  private head = 0;
  private readonly listeners = new Set<ArriveListener>();
  /**
   * Given each appended request once it is dispatched: nothing here holds it afterwards (the
   * consume queue, index and listeners take its fields), so the encoder reuses it.
   */
  onDispatched: (r: DispatchRequest) => void = () => undefined;

  constructor(
    private readonly queues: ConsumeQueueStore,
    private readonly index: IndexService,
    private readonly logger: Logger,
  ) {}

  /** Queues an appended record's request until the log is durable past it. */
  push(r: DispatchRequest): void {
    this.pending.push(r);
  }

  onArrive(listener: ArriveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Dispatches every pending record that ends at or below offset. */
  advance(offset: number): void {
    const p = this.pending;
    let h = this.head;
    const notify = this.listeners.size > 0;
    while (h < p.length) {
      const r = p[h] as DispatchRequest;
      if (r.physicalOffset + r.size > offset) break;
      h++;
      this.dispatchOne(r, notify);
      this.onDispatched(r);
    }
    if (h === p.length) {
      this.pending = [];
      this.head = 0;
    } else if (h > 4096 && h * 2 > p.length) {
      this.pending = p.slice(h);
      this.head = 0;
    } else {
      this.head = h;
    }
    if (offset > this.dispatchedOffset) this.dispatchedOffset = offset;
    this.index.advanceTo(offset);
  }

  /** Dispatches a recovered record (no listeners: nobody waits during start-up). */
  replay(r: DispatchRequest): void {
    this.dispatchOne(r, false);
  }

  /** Forgets what was appended but never became durable (the log failed). */
  dropPending(): void {
    this.pending = [];
    this.head = 0;
  }

  private dispatchOne(r: DispatchRequest, notify: boolean): void {
    const added = this.queues.dispatch(r);
    this.index.dispatch(r);
    if (!added || !notify) return;
    for (const l of this.listeners) {
      try {
        l(r.topic, r.queueId, r.queueOffset, r.tagsCode, r.storeTimestamp);
      } catch (err) {
        this.logger.error({ err }, 'arrive listener threw');
      }
    }
  }
}
