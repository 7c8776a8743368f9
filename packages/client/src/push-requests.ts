// Requests only push consumers make: CONSUMER_SEND_MSG_BACK (a failed message to the retry
// topic, or the DLQ) and the orderly consumer's LOCK_BATCH_MQ / UNLOCK_BATCH_MQ.
import { ContrailError, parseLenientJson } from '@contrail/common';
import { RequestCode, createRequest } from '@contrail/remoting';
import type { ClientInstance } from './client-instance.js';
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

  /**
   * Locks queues on whichever brokers they live on, one request per broker; the keys now held.
   * The queues of a broker whose request failed are reported through `onError`.
   */
  async lockQueues(mqs: readonly MessageQueue[], onError: (mq: MessageQueue, err: unknown) => void): Promise<Set<string>> {
    const held = new Set<string>();
    for (const [brokerName, list] of byBroker(mqs)) {
      try {
        for (const k of await this.lock(brokerName, list)) held.add(k);
      } catch (err) {
        for (const mq of list) onError(mq, err);
      }
    }
    return held;
  }

  /** Releases queues on their brokers; a failure is only logged (the broker's lease runs out). */
  async unlockQueues(mqs: readonly MessageQueue[]): Promise<void> {
    for (const [brokerName, list] of byBroker(mqs)) {
      try {
        await this.unlock(brokerName, list);
      } catch (err) {
        this.#client.log.warn({ err, brokerName }, 'unlock failed; the broker lease will expire');
      }
    }
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

function byBroker(mqs: readonly MessageQueue[]): Map<string, MessageQueue[]> {
  const out = new Map<string, MessageQueue[]>();
  for (const mq of mqs) {
    const list = out.get(mq.brokerName);
    if (list === undefined) out.set(mq.brokerName, [mq]);
    else list.push(mq);
  }
  return out;
}
