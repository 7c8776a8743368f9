// Consumer offsets and queue offsets: the QUERY_CONSUMER_OFFSET rule clients depend on,
// committing (negatives ignored), and max / min / by-time / earliest lookups.
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';

export class OffsetService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  /**
   * The group's committed offset. With none stored, a queue that still has its first
   * message (min offset 0) answers 0, as RocketMQ 4.9.7 does: a new group then reads from
   * the start even with CONSUME_FROM_LAST_OFFSET. `setZeroIfNotFound: false` turns that off.
   */
  queryConsumerOffset(group: string, topic: string, queueId: number, setZeroIfNotFound = true): number {
    const offset = this.#s.offsets.queryOffset(group, topic, queueId);
    if (offset >= 0) return offset;
    if (setZeroIfNotFound && this.#s.store.getMinOffsetInQueue(topic, queueId) <= 0) return 0;
    return fail('QUERY_NOT_FOUND', 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
  }

  /** Negative offsets mean "none" to some clients and are ignored. */
  updateConsumerOffset(group: string, topic: string, queueId: number, offset: number): void {
    this.#s.offsets.commitOffset(group, topic, queueId, offset);
  }

  maxOffset(topic: string, queueId: number): number {
    return this.#s.store.getMaxOffsetInQueue(topic, queueId);
  }

  minOffset(topic: string, queueId: number): number {
    return this.#s.store.getMinOffsetInQueue(topic, queueId);
  }

  async searchOffsetByTimestamp(topic: string, queueId: number, timestamp: number): Promise<number> {
    return this.#s.store.getOffsetInQueueByTime(topic, queueId, timestamp);
  }

  async earliestMessageStoreTime(topic: string, queueId: number): Promise<number> {
    return this.#s.store.getEarliestMessageTime(topic, queueId);
  }
}
