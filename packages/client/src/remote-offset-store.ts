// Consumer offsets kept by the broker (clustering): memory first, UPDATE_CONSUMER_OFFSET to
// persist (oneway on the periodic path, confirmed on shutdown and when a queue is given up).
import type { ConsumerRequests } from './consumer-requests.js';
import { queueKey, type MessageQueue } from './message-queue.js';
import type { OffsetStore } from './offset-store.js';

export class RemoteOffsetStore implements OffsetStore {
  readonly #requests: ConsumerRequests;
  readonly #table = new Map<string, { mq: MessageQueue; offset: number; persisted: number }>();

  constructor(requests: ConsumerRequests) {
    this.#requests = requests;
  }

  load(): Promise<void> {
    return Promise.resolve();
  }

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const k = queueKey(mq);
    const e = this.#table.get(k);
    if (e === undefined) this.#table.set(k, { mq, offset, persisted: -1 });
    else if (!increaseOnly || offset > e.offset) e.offset = offset;
  }

  readMemory(mq: MessageQueue): number {
    return this.#table.get(queueKey(mq))?.offset ?? -1;
  }

  async readStored(mq: MessageQueue): Promise<number> {
    const offset = await this.#requests.queryOffset(mq);
    if (offset >= 0) {
      this.#table.set(queueKey(mq), { mq, offset, persisted: offset });
    }
    return offset;
  }

  async persist(mqs: readonly MessageQueue[], confirmed: boolean): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      mqs.map(async (mq) => {
        const e = this.#table.get(queueKey(mq));
        if (e === undefined || e.offset < 0 || (!confirmed && e.offset === e.persisted)) return;
        const offset = e.offset;
        try {
          await this.#requests.updateOffset(mq, offset, !confirmed);
          e.persisted = offset;
        } catch (err) {
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  remove(mq: MessageQueue): void {
    this.#table.delete(queueKey(mq));
  }
}
