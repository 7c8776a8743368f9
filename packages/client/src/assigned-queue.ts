// One queue a lite-pull consumer owns: where its pulls continue, what the application has
// consumed (the offset to commit) and what was committed, plus the wake-up for its pull loop.
import type { MessageQueue } from './message-queue.js';
import type { SubscriptionData } from './subscription.js';
import { WakeSignal } from './wake-signal.js';

export class AssignedQueue {
  readonly mq: MessageQueue;
  sub: SubscriptionData;
  /** Next offset to pull; undefined until the start offset has been worked out. */
  pullOffset: number | undefined;
  /** One past the last message handed to the application: what a commit stores. */
  consumedOffset: number | undefined;
  committedOffset: number | undefined;
  /** Messages pulled and not yet polled. */
  buffered = 0;
  /** Bumped by seek(): pull results and buffered batches of an older version are dropped. */
  version = 0;
  dropped = false;
  readonly signal = new WakeSignal();
  loop: Promise<void> | undefined;

  constructor(mq: MessageQueue, sub: SubscriptionData) {
    this.mq = mq;
    this.sub = sub;
  }

  /** The offset a commit would store now, when it differs from what is committed. */
  get dirtyOffset(): number | undefined {
    const c = this.consumedOffset;
    return c !== undefined && c >= 0 && c !== this.committedOffset ? c : undefined;
  }
}
