// Where a push consumer keeps how far it has consumed each queue: on the broker (clustering,
// shared by the group) or in a local file (broadcasting, one per instance).
import type { MessageQueue } from './message-queue.js';

export interface OffsetStore {
  load(): Promise<void>;
  /** Records progress in memory; `increaseOnly` ignores a smaller offset than the one held. */
  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** The offset held in memory, or -1. */
  readMemory(mq: MessageQueue): number;
  /** The offset as persisted (broker or file), or -1 when there is none; cached in memory. */
  readStored(mq: MessageQueue): Promise<number>;
  /** Persists these queues' offsets; `confirmed` waits for the broker's answer. Failures throw. */
  persist(mqs: readonly MessageQueue[], confirmed: boolean): Promise<void>;
  remove(mq: MessageQueue): void;
}
