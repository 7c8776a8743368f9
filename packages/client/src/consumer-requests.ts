// The broker requests consumers make: pull, consumer offsets (query/update), queue offsets
// (min/max/by time) and the group's member list. Addresses come from the client's route table.
import { ContrailError, parseLenientJson } from '@contrail/common';
import { RequestCode, ResponseCode, createRequest } from '@contrail/remoting';
import type { ClientInstance } from './client-instance.js';
import type { ConsumeFromWhere } from './heartbeat-data.js';
import { queueKey, type MessageQueue } from './message-queue.js';
import { buildPullHeader, pullResultOf, type PullResult } from './pull-result.js';
import type { SubscriptionData } from './subscription.js';
import { MASTER_ID } from './topic-route.js';

export interface PullRequestOptions {
  maxNums: number;
  sysFlag: number;
  commitOffset?: number;
  /** How long the broker may hold a pull that finds nothing (SUSPEND set in sysFlag). */
  suspendTimeoutMs: number;
  timeoutMs: number;
}

export class ConsumerRequests {
  readonly #client: ClientInstance;
  readonly #group: string;
  /** The broker id each queue's broker suggested for the next pull. */
  readonly #suggested = new Map<string, number>();

  constructor(client: ClientInstance, group: string) {
    this.#client = client;
    this.#group = group;
  }

  async pull(mq: MessageQueue, sub: SubscriptionData, offset: number, o: PullRequestOptions): Promise<PullResult> {
    const key = queueKey(mq);
    const addr = await this.#addr(mq, this.#suggested.get(key) ?? MASTER_ID);
    const header = buildPullHeader({
      consumerGroup: this.#group,
      mq,
      queueOffset: offset,
      maxMsgNums: o.maxNums,
      sysFlag: o.sysFlag,
      commitOffset: o.commitOffset ?? 0,
      suspendTimeoutMillis: o.suspendTimeoutMs,
      subscription: sub,
    });
    const res = await this.#client.remoting.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, header), o.timeoutMs);
    const result = pullResultOf(res, mq, sub);
    if (result.suggestWhichBrokerId === MASTER_ID) this.#suggested.delete(key);
    else this.#suggested.set(key, result.suggestWhichBrokerId);
    return result;
  }

  /** The group's committed offset for `mq`, or -1 when the broker has none. */
  async queryOffset(mq: MessageQueue): Promise<number> {
    const addr = await this.#addr(mq);
    const res = await this.#client.remoting.invoke(
      addr,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: this.#group, topic: mq.topic, queueId: String(mq.queueId) }),
      this.#client.requestTimeoutMs,
    );
    if (res.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
    const offset = Number(res.extFields.offset);
    return Number.isFinite(offset) ? offset : -1;
  }

  /** UPDATE_CONSUMER_OFFSET; oneway (as the periodic commit sends it) or confirmed. */
  async updateOffset(mq: MessageQueue, offset: number, oneway: boolean): Promise<void> {
    const addr = await this.#addr(mq);
    const cmd = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: this.#group,
      topic: mq.topic,
      queueId: String(mq.queueId),
      commitOffset: String(offset),
    });
    if (oneway) await this.#client.remoting.invokeOneway(addr, cmd);
    else await this.#client.invokeOk(addr, cmd);
  }

  maxOffset(mq: MessageQueue): Promise<number> {
    return this.#offsetRequest(RequestCode.GET_MAX_OFFSET, mq);
  }

  minOffset(mq: MessageQueue): Promise<number> {
    return this.#offsetRequest(RequestCode.GET_MIN_OFFSET, mq);
  }

  searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.#offsetRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, mq, { timestamp: String(timestamp) });
  }

  /**
   * Where a queue without a committed offset starts. A group's retry queue starts at its
   * beginning for LAST_OFFSET and at its end for TIMESTAMP, as RocketMQ clients do.
   */
  async startOffset(mq: MessageQueue, where: ConsumeFromWhere, timestamp: number, isRetryQueue: boolean): Promise<number> {
    switch (where) {
      case 'CONSUME_FROM_FIRST_OFFSET':
        return 0;
      case 'CONSUME_FROM_TIMESTAMP':
        return isRetryQueue ? this.maxOffset(mq) : this.searchOffset(mq, timestamp);
      case 'CONSUME_FROM_LAST_OFFSET':
        return isRetryQueue ? 0 : this.maxOffset(mq);
    }
  }

  /** The group's members as a broker of `topic` knows them (asks each broker until one answers). */
  async consumerIds(topic: string): Promise<string[]> {
    const route = await this.#client.route(topic);
    const names = route.brokerDatas.map((b) => b.brokerName).sort();
    let lastError: unknown;
    for (const name of names) {
      const addr = this.#client.readAddr(name);
      if (addr === undefined) continue;
      try {
        const res = await this.#client.invokeOk(addr, createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: this.#group }));
        const body = parseLenientJson(res.body?.toString('utf8') ?? '{}') as { consumerIdList?: unknown };
        const list = Array.isArray(body.consumerIdList) ? body.consumerIdList : [];
        return list.filter((x): x is string => typeof x === 'string');
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError ?? new ContrailError('ROUTE_NOT_FOUND', `no broker for topic ${topic}`);
  }

  async #offsetRequest(code: number, mq: MessageQueue, extra: Record<string, string> = {}): Promise<number> {
    const addr = await this.#addr(mq);
    const res = await this.#client.invokeOk(addr, createRequest(code, { topic: mq.topic, queueId: String(mq.queueId), ...extra }));
    const offset = Number(res.extFields.offset);
    if (!Number.isFinite(offset)) throw new ContrailError('SYSTEM_ERROR', `broker answered code ${code} without an offset`);
    return offset;
  }

  async #addr(mq: MessageQueue, brokerId = MASTER_ID): Promise<string> {
    let addr = this.#client.readAddr(mq.brokerName, brokerId);
    if (addr === undefined) {
      await this.#client.refreshRoute(mq.topic);
      addr = this.#client.readAddr(mq.brokerName, brokerId);
    }
    if (addr === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `no address for broker ${mq.brokerName}`);
    return addr;
  }
}
