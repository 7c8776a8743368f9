// CONSUMER_SEND_MSG_BACK: a message the consumer failed goes to %RETRY%<group> with a
// growing delay, or to %DLQ%<group> once it has been retried maxReconsumeTimes.
import { Perm, Prop, decodeRecord, dlqTopic, encodeProperties, retryTopic, type StoredMessage } from '@contrail/common';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';
import { scheduleTarget } from './send-message-service.js';

export interface SendBackRequest {
  /** Commit-log offset of the consumed record. */
  offset: number;
  group: string;
  delayLevel: number;
  originMsgId?: string | undefined;
  originTopic?: string | undefined;
  maxReconsumeTimes?: number | undefined;
  unitMode: boolean;
  clientVersion?: number | undefined;
}

const MIN_VERSION_WITH_MAX_RECONSUME = 121;

export class SendBackService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  async sendBack(req: SendBackRequest): Promise<void> {
    const { config, groups, topics, store } = this.#s;
    const groupConfig = groups.findOrCreate(req.group);
    if (groupConfig === undefined) fail('SUBSCRIPTION_GROUP_NOT_EXIST', `subscription group not exist, ${req.group}`);
    if ((config.brokerPermission & Perm.WRITE) === 0) fail('NO_PERMISSION', `the broker[${config.brokerName}] sending message is forbidden`);
    if (groupConfig.retryQueueNums <= 0) return;
    const record = await store.lookMessageByOffset(req.offset);
    if (record === null) fail('SYSTEM_ERROR', `look message by offset failed, ${req.offset}`);
    let msg: StoredMessage;
    try {
      msg = decodeRecord(record, 0, { strict: false });
    } catch (err) {
      fail('SYSTEM_ERROR', `look message by offset failed, ${req.offset}: ${(err as Error).message}`);
    }
    const props = { ...msg.properties };
    props[Prop.RETRY_TOPIC] ??= msg.topic;
    props[Prop.ORIGIN_MESSAGE_ID] ??= req.originMsgId !== undefined && req.originMsgId.length > 0 ? req.originMsgId : msg.msgId;
    let max = groupConfig.retryMaxTimes;
    if ((req.clientVersion ?? MIN_VERSION_WITH_MAX_RECONSUME) >= MIN_VERSION_WITH_MAX_RECONSUME && req.maxReconsumeTimes !== undefined) {
      max = req.maxReconsumeTimes;
    }
    let target = { topic: retryTopic(req.group), queueId: Math.floor(Math.random() * groupConfig.retryQueueNums), props };
    if (msg.reconsumeTimes >= max || req.delayLevel < 0) {
      target = { topic: dlqTopic(req.group), queueId: 0, props };
      delete props[Prop.DELAY];
      topics.createInSendMessageBack(target.topic, 1, Perm.READ | Perm.WRITE);
      this.#s.log.info({ group: req.group, msgId: msg.msgId, reconsumeTimes: msg.reconsumeTimes }, 'message moved to the DLQ');
    } else {
      const tc = topics.createInSendMessageBack(target.topic, groupConfig.retryQueueNums, Perm.READ | Perm.WRITE, req.unitMode ? 0x2 : 0);
      if ((tc.perm & Perm.WRITE) === 0) fail('NO_PERMISSION', `the topic[${target.topic}] sending message is forbidden`);
      props[Prop.DELAY] = String(req.delayLevel === 0 ? 3 + msg.reconsumeTimes : req.delayLevel);
      target = scheduleTarget(target, msg.sysFlag, this.#s.delayLevels.length);
    }
    const result = await store.putMessage({
      topic: target.topic,
      queueId: target.queueId,
      flag: msg.flag,
      sysFlag: msg.sysFlag,
      bornTimestamp: msg.bornTimestamp,
      bornHost: msg.bornHost,
      reconsumeTimes: msg.reconsumeTimes + 1,
      preparedTransactionOffset: 0,
      body: msg.body,
      properties: encodeProperties(target.props),
    });
    if (result.status !== 'PUT_OK') fail('SYSTEM_ERROR', result.remark ?? result.status);
  }
}
