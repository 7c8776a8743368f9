// Round-robin queue choice for sends without a selector, steering around brokers that failed
// recently and, on a retry, around the broker that just failed.
import type { LatencyFaultTolerance } from './fault-tolerance.js';
import type { MessageQueue } from './message-queue.js';

export class QueuePicker {
  #index = Math.floor(Math.random() * 0x7fff);
  readonly #faults: LatencyFaultTolerance;

  constructor(faults: LatencyFaultTolerance) {
    this.#faults = faults;
  }

  /** The next queue; `lastBroker` is the broker the previous attempt of this send failed on. */
  pick(queues: readonly MessageQueue[], lastBroker?: string, now = Date.now()): MessageQueue | undefined {
    const n = queues.length;
    if (n === 0) return undefined;
    const start = this.#next();
    // First choice: a broker that is neither avoided nor the one that just failed.
    for (let i = 0; i < n; i++) {
      const mq = queues[(start + i) % n] as MessageQueue;
      if (mq.brokerName !== lastBroker && this.#faults.isAvailable(mq.brokerName, now)) return mq;
    }
    // Every other broker is avoided: a different broker still beats the one that just failed.
    const others = queues.filter((q) => q.brokerName !== lastBroker);
    const pool = others.length > 0 ? others : queues;
    const brokers = [...new Set(pool.map((q) => q.brokerName))];
    const best = this.#faults.leastBad(brokers);
    const onBest = pool.filter((q) => q.brokerName === best);
    const from = onBest.length > 0 ? onBest : pool;
    return from[start % from.length];
  }

  #next(): number {
    const i = this.#index;
    this.#index = (i + 1) & 0x3fffffff;
    return i;
  }
}
