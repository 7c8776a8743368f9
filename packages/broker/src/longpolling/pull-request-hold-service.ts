// Long polling: pulls that found nothing wait here until a message arrives on their queue,
// their suspend time runs out, or the broker stops. A wake-up caused by a send waits until
// that send's response has been written, so no consumer sees a message before its producer
// has the send result.
import { createLogger, type Logger } from '@contrail/common';

interface HeldPull {
  readonly offset: number;
  readonly filter: ((tagsCode: number) => boolean) | undefined;
  readonly resolve: (woken: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

interface QueueState {
  held: Set<HeldPull>;
  /** Sends to this queue whose responses are not yet written. */
  sendsInFlight: number;
  /** An arrival is waiting for those sends; when it was first seen. */
  pendingSince: number;
}

/** Longest a wake-up waits for unwritten send responses under a steady stream of sends. */
const MAX_WAKE_DEFERRAL_MS = 20;

export class PullRequestHoldService {
  readonly #queues = new Map<string, QueueState>();
  /** Pulls held over all queues: with none, an arrival (one per stored message) costs a compare. */
  #held = 0;
  readonly #maxOffset: (topic: string, queueId: number) => number;
  readonly #checkIntervalMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(maxOffset: (topic: string, queueId: number) => number, checkIntervalMs = 5000, logger: Logger = createLogger('pull-hold')) {
    this.#maxOffset = maxOffset;
    this.#checkIntervalMs = checkIntervalMs;
    this.#log = logger;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.#recheckAll(), this.#checkIntervalMs);
    this.#timer.unref();
  }

  /** Releases every held pull (they answer with what they have) and stops. */
  shutdown(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const q of this.#queues.values()) for (const h of [...q.held]) this.#release(q, h, false);
    this.#queues.clear();
  }

  /** Number of pulls being held. */
  get size(): number {
    return this.#held;
  }

  /**
   * Holds a pull for `offset` on the queue; resolves true when woken by an arrival and
   * false when the time ran out (or the service stopped).
   */
  hold(topic: string, queueId: number, offset: number, timeoutMs: number, filter?: (tagsCode: number) => boolean): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    const q = this.#state(topic, queueId);
    return new Promise<boolean>((resolve) => {
      const held: HeldPull = {
        offset,
        filter,
        resolve,
        timer: setTimeout(() => this.#release(q, held, false), Math.max(0, timeoutMs)),
      };
      q.held.add(held);
      this.#held++;
      // A message may have landed between the pull's read and now.
      if (this.#maxOffset(topic, queueId) > offset) this.#release(q, held, true);
    });
  }

  /** Marks a send to the queue as in flight; the returned function ends it (call it once the response is written). */
  sendStarted(topic: string, queueId: number): () => void {
    const q = this.#state(topic, queueId);
    q.sendsInFlight++;
    let done = false;
    // The queue's state stays when idle (the periodic re-check drops it): one send after
    // another to a queue would otherwise make and drop it every time.
    return () => {
      if (done) return;
      done = true;
      q.sendsInFlight--;
      if (q.sendsInFlight === 0 && q.pendingSince > 0) {
        q.pendingSince = 0;
        this.#wake(q, topic, queueId, undefined);
      }
    };
  }

  /** A message was dispatched to the queue (the store's arrival event). */
  notifyMessageArriving(topic: string, queueId: number, tagsCode?: number): void {
    if (this.#held === 0) return;
    const q = this.#queues.get(queueKey(topic, queueId));
    // Nothing held: nothing to wake (a pull held later checks the queue's end itself).
    if (q === undefined || q.held.size === 0) return;
    if (q.sendsInFlight > 0) {
      const now = Date.now();
      if (q.pendingSince === 0) q.pendingSince = now;
      if (now - q.pendingSince < MAX_WAKE_DEFERRAL_MS) return;
      q.pendingSince = 0;
    }
    this.#wake(q, topic, queueId, tagsCode);
  }

  #wake(q: QueueState, topic: string, queueId: number, tagsCode: number | undefined): void {
    if (q.held.size === 0) return;
    const max = this.#maxOffset(topic, queueId);
    for (const h of [...q.held]) {
      if (max <= h.offset) continue;
      if (tagsCode !== undefined && h.filter !== undefined && !h.filter(tagsCode)) continue;
      this.#release(q, h, true);
    }
  }

  #recheckAll(): void {
    for (const [key, q] of [...this.#queues]) {
      try {
        const at = key.lastIndexOf('@');
        this.#wake(q, key.slice(0, at), Number(key.slice(at + 1)), undefined);
        this.#dropIfIdle(key, q);
      } catch (err) {
        this.#log.error({ err, queue: key }, 'long-polling re-check failed');
      }
    }
  }

  #release(q: QueueState, h: HeldPull, woken: boolean): void {
    if (!q.held.delete(h)) return;
    this.#held--;
    clearTimeout(h.timer);
    h.resolve(woken);
  }

  #state(topic: string, queueId: number): QueueState {
    const key = queueKey(topic, queueId);
    let q = this.#queues.get(key);
    if (q === undefined) {
      q = { held: new Set(), sendsInFlight: 0, pendingSince: 0 };
      this.#queues.set(key, q);
    }
    return q;
  }

  #dropIfIdle(key: string, q: QueueState): void {
    if (q.held.size === 0 && q.sendsInFlight === 0 && q.pendingSince === 0) this.#queues.delete(key);
  }
}

function queueKey(topic: string, queueId: number): string {
  return `${topic}@${queueId}`;
}
