// RECALL_MESSAGE: a producer cancels a timer message before it is due. The broker stores a
// delete marker in rmq_sys_wheel_timer for the same due time; the timer service enqueues it
// like any timer record and drops the marked message when its slot comes, instead of
// delivering it. A recall that comes too late (the message is due, or already delivered)
// is refused with ILLEGAL_OPERATION.
import { Perm, Prop, decodeRecallHandle, encodeProperties } from '@contrail/common';
import { isPutStored } from '@contrail/store';
import { TIMER_DEL_UNIQKEY, deleteKey } from '../timer/recall-handle.js';
import { TIMER_OUT_MS, TIMER_TOPIC } from '../timer/timer-target.js';
import { bornHostOf } from './born-host.js';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';

export interface RecallRequest {
  topic: string;
  recallHandle: string;
  producerGroup: string;
}

const RECALL_TAG = '_RECALL_TAG_';

export class RecallService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  /** Resolves with the recalled message's id once the marker is stored. */
  async recall(req: RecallRequest, bornHost: string): Promise<string> {
    const { config, topics, store } = this.#s;
    if (!config.timerWheelEnable) fail('NO_PERMISSION', 'recall failed, timer messages are not enabled on this broker (timerWheelEnable=false)');
    if ((config.brokerPermission & Perm.WRITE) === 0) fail('SERVICE_NOT_AVAILABLE', 'recall failed, the broker is not writable');
    if (topics.get(req.topic) === undefined) fail('TOPIC_NOT_EXIST', `recall failed, the topic[${req.topic}] not exist`);
    const h = decodeRecallHandle(req.recallHandle);
    if (h.topic !== req.topic) fail('ILLEGAL_OPERATION', 'recall failed, the handle is for another topic');
    if (h.brokerName !== config.brokerName) fail('ILLEGAL_OPERATION', `recall failed, the handle is for broker ${h.brokerName}`);
    const left = h.dueMs - Date.now();
    if (left <= 0) fail('ILLEGAL_OPERATION', 'recall failed, the message is already due');
    if (left > config.timerMaxDelaySec * 1000) fail('ILLEGAL_OPERATION', `recall failed, the handle's due time is more than timerMaxDelaySec (${config.timerMaxDelaySec} s) ahead`);
    const key = deleteKey(h.topic, h.messageId);
    const born = bornHostOf(bornHost);
    const marker = {
      topic: TIMER_TOPIC,
      queueId: 0,
      flag: 0,
      sysFlag: born.sysFlag,
      bornTimestamp: Date.now(),
      bornHost: born.host,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.from('0'),
      properties: encodeProperties({
        [TIMER_OUT_MS]: String(h.dueMs),
        [Prop.REAL_TOPIC]: h.topic,
        [Prop.REAL_QID]: '0',
        [TIMER_DEL_UNIQKEY]: key,
        [Prop.UNIQ_KEY]: h.messageId,
        [Prop.TAGS]: RECALL_TAG,
        ...(req.producerGroup.length > 0 ? { [Prop.PGROUP]: req.producerGroup } : {}),
      }),
    };
    // Remembered before the marker is stored, so a delivery that comes in between is already
    // dropped; the marker is what makes the recall survive a restart.
    this.#s.recalls?.rememberRecall(key, h.dueMs);
    let stored = false;
    try {
      const res = await store.putMessage(marker);
      stored = isPutStored(res.status);
      if (!stored) fail('SYSTEM_ERROR', `recall failed, the store answered ${res.status}`);
    } finally {
      if (!stored) this.#s.recalls?.forgetRecall(key);
    }
    return h.messageId;
  }
}
