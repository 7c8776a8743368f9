// Lookups by offset msgId (physical offset) and by key / UNIQ_KEY through the store's index.
import type { QueryMessageResult } from '../store/message-store-port.js';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';

export class MessageQueryService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  /** The one stored record at a commit-log offset. */
  async viewMessageByOffset(physicalOffset: number): Promise<Buffer> {
    const record = await this.#s.store.lookMessageByOffset(physicalOffset);
    if (record === null) fail('SYSTEM_ERROR', `can not find message by the offset, ${physicalOffset}`);
    return record;
  }

  /** Records whose key (or UNIQ_KEY) matches, stored within [begin, end]. */
  async queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number, uniqueKeyQuery: boolean): Promise<QueryMessageResult> {
    const limit = uniqueKeyQuery || !(maxNum > 0) ? this.#s.config.defaultQueryMaxNum : maxNum;
    const r = await this.#s.store.queryMessage(topic, key, limit, begin, end);
    if (r.buffers.length === 0) fail('QUERY_NOT_FOUND', 'can not find message, maybe time range not correct');
    return r;
  }
}
