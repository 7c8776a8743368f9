// Requests only push consumers make: CONSUMER_SEND_MSG_BACK (a failed message to the retry
// topic, or the DLQ) and the orderly consumer's LOCK_BATCH_MQ / UNLOCK_BATCH_MQ.
import { ContrailError } from '@contrail/common';
import { RequestCode, createRequest } from '@contrail/remoting';
import type { ClientInstance } from './client-instance.js';
import { parseLenientJson } from './lenient-json.js';
import type { MessageExt } from './message-ext.js';
import { queueKey, type MessageQueue } from './message-queue.js';

export class PushRequests {
  readonly #client: ClientInstance;
  readonly #group: string;

  constructor(client: ClientInstance, group: string) {
    this.#client = client;
    this.#group = group;
  }

  /** delayLevel 0: the broker picks 3 + reconsumeTimes; -1: straight to the DLQ. */
  async sendBack(msg: MessageExt, originTopic: string, delayLevel: number, maxReconsumeTimes: number): Promise<void> {
    const addr = await this.#master(msg.brokerName, originTopic);
    await this.#client.invokeOk(
      addr,
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
        offset: String(msg.commitLogOffset),
        group: this.#group,
        delayLevel: String(delayLevel),
        originMsgId: msg.msgId,
        originTopic,
        unitMode: 'false',
        maxReconsumeTimes: String(maxReconsumeTimes),
        bname: msg.brokerName,
      }),
    );
  }

  /** Locks the queues (all on `brokerName`) for this client; returns the keys now held. */
  async lock(brokerName: string, mqs: readonly MessageQueue[]): Promise<Set<string>> {
    const addr = await this.#master(brokerName, mqs[0]?.topic);
    const res = await this.#client.invokeOk(addr, createRequest(RequestCode.LOCK_BATCH_MQ, {}, this.#body(mqs)));
    const json = parseLenientJson(res.body?.toString('utf8') ?? '{}') as { lockOKMQSet?: unknown };
    const held = new Set<string>();
    for (const m of Array.isArray(json.lockOKMQSet) ? (json.lockOKMQSet as unknown[]) : []) {
      const q = m as Partial<MessageQueue>;
      if (typeof q.topic === 'string' && typeof q.brokerName === 'string') held.add(queueKey({ topic: q.topic, brokerName: q.brokerName, queueId: Number(q.queueId) }));
    }
    return held;
  }

  async unlock(brokerName: string, mqs: readonly MessageQueue[]): Promise<void> {
    const addr = await this.#master(brokerName, mqs[0]?.topic);
    await this.#client.invokeOk(addr, createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, this.#body(mqs)));
  }

  #body(mqs: readonly MessageQueue[]): Buffer {
    const mqSet = mqs.map((m) => ({ topic: m.topic, brokerName: m.brokerName, queueId: m.queueId }));
    return Buffer.from(JSON.stringify({ consumerGroup: this.#group, clientId: this.#client.clientId, mqSet }), 'utf8');
  }

  async #master(brokerName: string, topic: string | undefined): Promise<string> {
    let addr = this.#client.masterAddr(brokerName);
    if (addr === undefined && topic !== undefined) {
      await this.#client.refreshRoute(topic);
      addr = this.#client.masterAddr(brokerName);
    }
    if (addr === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `no master address for broker ${brokerName}`);
    return addr;
  }
}
