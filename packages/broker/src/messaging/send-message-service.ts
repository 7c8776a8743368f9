// SEND: validation, topic auto-creation, retry/DLQ redirection, delay scheduling, the
// broker's own properties, then the store. Protocol-neutral: failures are ContrailErrors.
import {
  FORBIDDEN_SEND_TOPICS,
  MAX_PROPERTIES_LENGTH,
  Perm,
  Prop,
  RETRY_GROUP_TOPIC_PREFIX,
  SysFlag,
  SystemTopic,
  decodeBatchItems,
  decodeProperties,
  dlqTopic,
  encodeProperties,
  transactionType,
  validateName,
  type Properties,
} from '@contrail/common';
import type { PutMessageInput, PutMessageResult } from '../store/message-store-port.js';
import type { MessageType } from '../metrics/broker-stats.js';
import { recallHandleOf } from '../timer/recall-handle.js';
import { TIMER_TOPIC, timerTarget } from '../timer/timer-target.js';
import { halfTarget } from '../transaction/half-message.js';
import { isWriteable, type TopicConfig } from '../topic/topic-config.js';
import { bornHostOf } from './born-host.js';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';
import type { SendContext, SendMessageRequest, SendMessageResult, SendStatus } from './send-types.js';

/** Clients older than this (MQVersion V3_4_9) cannot set maxReconsumeTimes themselves. */
const MIN_VERSION_WITH_MAX_RECONSUME = 121;
const DLQ_QUEUE_NUMS = 1;

interface Target {
  topic: string;
  queueId: number;
  props: Properties;
  /** The queue id the response reports (the requested one for delayed messages). */
  responseQueueId: number;
}

export class SendMessageService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  async sendMessage(req: SendMessageRequest, ctx: SendContext): Promise<SendMessageResult> {
    const topicConfig = this.#checkTopic(req);
    const queueId = this.#chooseQueue(req, topicConfig);
    const body = req.body;
    if (req.batch) return this.#sendBatch(req, ctx, topicConfig, queueId);
    if (body.length > this.#s.config.maxMessageSize) {
      fail('MESSAGE_ILLEGAL', `the message body size ${body.length} is over the max value ${this.#s.config.maxMessageSize}`);
    }
    const props = this.#brokerProperties(req.properties);
    const tx = props[Prop.TRAN_MSG] === 'true' ? this.#s.transactions : undefined;
    if (props[Prop.TRAN_MSG] === 'true' && (tx === undefined || this.#s.config.rejectTransactionMessage)) {
      fail('NO_PERMISSION', `the broker[${this.#s.config.brokerName}] sending transaction message is forbidden`);
    }
    let target: Target = { topic: req.topic, queueId, props, responseQueueId: queueId };
    if (req.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) target = this.#retryOrDlq(req, target);
    // A half message waits in the half topic with the NOT type; delays apply when it is committed.
    if (tx !== undefined) target = halfTarget(target);
    else target = this.#applyDelay(req.sysFlag, timerTarget(target, req.sysFlag, this.#s.config));
    const properties = encodeProperties(target.props);
    checkPropertiesLength(properties);
    const born = bornHostOf(ctx.bornHost);
    const sysFlag = (req.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6 | (tx !== undefined ? 0xc : 0))) | born.sysFlag;
    const input = storeInput(req, target.topic, target.queueId, req.flag, sysFlag, born.host, body, properties);
    this.#holdWakeUps(target.topic, target.queueId, ctx);
    const result = await (tx !== undefined ? tx.prepare(() => this.#s.store.putMessage(input)) : this.#s.store.putMessage(input));
    const sent = toSendResult(result, target.topic, target.responseQueueId);
    this.#s.stats.recordIn(req.topic, messageTypeOf(target, tx !== undefined), 1, result.wroteBytes);
    if (target.topic === TIMER_TOPIC) {
      const handle = recallHandleOf(target.props, this.#s.config.brokerName);
      if (handle !== undefined) sent.recallHandle = handle;
    }
    return sent;
  }

  async #sendBatch(req: SendMessageRequest, ctx: SendContext, _tc: TopicConfig, queueId: number): Promise<SendMessageResult> {
    if (req.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) fail('MESSAGE_ILLEGAL', `batch request does not support retry group ${req.topic}`);
    const batchProps = this.#brokerProperties(req.properties);
    if (Number(batchProps[Prop.DELAY] ?? 0) > 0) fail('MESSAGE_ILLEGAL', 'delayed messages cannot be sent in a batch');
    // The batch's own properties (CLUSTER at least) go after each item's, joined as the items
    // are decoded (one string per item, no concatenation to flatten later).
    const suffix = Buffer.from(encodeProperties(batchProps), 'utf8');
    const born = bornHostOf(ctx.bornHost);
    const sysFlag = (req.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6)) | born.sysFlag;
    const maxSize = this.#s.config.maxMessageSize;
    let items: PutMessageInput[];
    try {
      items = decodeBatchItems(
        req.body,
        (flag, body, properties, i): PutMessageInput => {
          if (body.length > maxSize) fail('MESSAGE_ILLEGAL', `batch item ${i}: the message body size ${body.length} is over the max value ${maxSize}`);
          checkPropertiesLength(properties);
          return storeInput(req, req.topic, queueId, flag, sysFlag, born.host, body, properties);
        },
        suffix,
      );
    } catch (err) {
      // The decoder's own errors; a ContrailError from an item above goes out as it is.
      if (err instanceof TypeError) fail('MESSAGE_ILLEGAL', `bad batch body: ${err.message}`);
      throw err;
    }
    if (items.length === 0) fail('MESSAGE_ILLEGAL', 'the batch is empty');
    this.#holdWakeUps(req.topic, queueId, ctx);
    const result = await this.#s.store.putMessages(items);
    const sent = toSendResult(result, req.topic, queueId);
    this.#s.stats.recordIn(req.topic, 'normal', result.msgNum, result.wroteBytes);
    return sent;
  }

  /**
   * Holds back long-polling wake-ups on the queue until this request's response is written
   * (the hook runs then, whether the store succeeded or not).
   */
  #holdWakeUps(topic: string, queueId: number, ctx: SendContext): void {
    if (ctx.afterResponse !== undefined) ctx.afterResponse(this.#s.pullHold.sendStarted(topic, queueId));
  }

  #checkTopic(req: SendMessageRequest): TopicConfig {
    const { config, topics } = this.#s;
    if ((config.brokerPermission & Perm.WRITE) === 0) {
      fail('NO_PERMISSION', `the broker[${config.brokerName}] sending message is forbidden`);
    }
    const why = validateName(req.topic);
    if (why !== null) fail('SYSTEM_ERROR', why);
    if (FORBIDDEN_SEND_TOPICS.has(req.topic)) fail('NO_PERMISSION', `Sending message to topic[${req.topic}] is forbidden.`);
    let tc = topics.get(req.topic);
    if (tc === undefined && req.defaultTopic.length > 0) {
      tc = topics.createInSendMessage(req.topic, req.defaultTopic, req.defaultTopicQueueNums, req.unitMode ? 1 : 0) ?? undefined;
    }
    if (tc === undefined && req.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      tc = topics.createInSendMessageBack(req.topic, 1, Perm.READ | Perm.WRITE);
    }
    if (tc === undefined) fail('TOPIC_NOT_EXIST', `topic[${req.topic}] not exist, apply first please!`);
    if (!isWriteable(tc.perm)) fail('NO_PERMISSION', `the topic[${req.topic}] sending message is forbidden`);
    return tc;
  }

  #chooseQueue(req: SendMessageRequest, tc: TopicConfig): number {
    const limit = Math.max(tc.writeQueueNums, tc.readQueueNums);
    if (req.queueId >= limit) {
      fail('SYSTEM_ERROR', `request queueId[${req.queueId}] is illegal, topic:[${req.topic}] topicConfig.writeQueueNums:[${tc.writeQueueNums}] producer:[${req.producerGroup}]`);
    }
    if (req.queueId >= 0) return req.queueId;
    return Math.floor(Math.random() * Math.max(1, tc.writeQueueNums));
  }

  /** The request's properties plus CLUSTER, without WAIT (which only steers flush waiting). */
  #brokerProperties(text: string): Properties {
    // Decoded without WAIT rather than deleted after: a delete turns the object into a slow
    // dictionary.
    const props = decodeProperties(text, Prop.WAIT);
    props[Prop.CLUSTER] = this.#s.config.brokerClusterName;
    return props;
  }

  /** A %RETRY% message that has used up its attempts goes to the group's DLQ. */
  #retryOrDlq(req: SendMessageRequest, target: Target): Target {
    const group = req.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const groupConfig = this.#s.groups.findOrCreate(group);
    if (groupConfig === undefined) fail('SUBSCRIPTION_GROUP_NOT_EXIST', `subscription group not exist, ${group}`);
    let max = groupConfig.retryMaxTimes;
    if ((req.clientVersion ?? MIN_VERSION_WITH_MAX_RECONSUME) >= MIN_VERSION_WITH_MAX_RECONSUME && req.maxReconsumeTimes !== undefined) {
      max = req.maxReconsumeTimes;
    }
    if (req.reconsumeTimes < max) return target;
    const topic = dlqTopic(group);
    this.#s.topics.createInSendMessageBack(topic, DLQ_QUEUE_NUMS, Perm.READ | Perm.WRITE);
    const props = { ...target.props };
    delete props[Prop.DELAY];
    this.#s.log.info({ group, reconsumeTimes: req.reconsumeTimes, max }, 'message moved to the DLQ');
    return { topic, queueId: 0, props, responseQueueId: 0 };
  }

  #applyDelay(sysFlag: number, target: Target): Target {
    return scheduleTarget(target, sysFlag, this.#s.delayLevels.length);
  }
}

/**
 * A message with DELAY > 0 is stored in SCHEDULE_TOPIC_XXXX (queue level-1) with its real
 * destination in REAL_TOPIC / REAL_QID; the schedule service delivers it when due.
 */
export function scheduleTarget<T extends { topic: string; queueId: number; props: Properties }>(target: T, sysFlag: number, levels: number): T {
  const type = transactionType(sysFlag);
  if (type !== SysFlag.TRANSACTION_NOT_TYPE && type !== SysFlag.TRANSACTION_COMMIT_TYPE) return target;
  let level = Number(target.props[Prop.DELAY] ?? 0);
  if (!Number.isInteger(level) || level <= 0) return target;
  if (level > levels) level = levels;
  const props = { ...target.props, [Prop.DELAY]: String(level), [Prop.REAL_TOPIC]: target.topic, [Prop.REAL_QID]: String(target.queueId) };
  return { ...target, topic: SystemTopic.SCHEDULE, queueId: level - 1, props };
}

/** What the store is asked to append for one message of the request. */
function storeInput(
  req: SendMessageRequest,
  topic: string,
  queueId: number,
  flag: number,
  sysFlag: number,
  bornHost: PutMessageInput['bornHost'],
  body: Buffer,
  properties: string,
): PutMessageInput {
  return {
    topic,
    queueId,
    flag,
    sysFlag,
    bornTimestamp: req.bornTimestamp,
    bornHost,
    reconsumeTimes: req.reconsumeTimes,
    preparedTransactionOffset: 0,
    body,
    properties,
  };
}

function checkPropertiesLength(properties: string): void {
  const len = Buffer.byteLength(properties, 'utf8');
  if (len > MAX_PROPERTIES_LENGTH) fail('MESSAGE_ILLEGAL', `the message properties length ${len} is over the max value ${MAX_PROPERTIES_LENGTH}`);
}

/** RocketMQ's message_type label: where the send path put the message. */
function messageTypeOf(target: Target, transactional: boolean): MessageType {
  if (transactional) return 'transaction';
  if (target.topic === TIMER_TOPIC || target.topic === SystemTopic.SCHEDULE) return 'delay';
  return target.props[Prop.SHARDING_KEY] !== undefined ? 'fifo' : 'normal';
}

function toSendResult(r: PutMessageResult, topic: string, queueId: number): SendMessageResult {
  let status: SendStatus;
  switch (r.status) {
    case 'PUT_OK':
      status = 'SEND_OK';
      break;
    case 'FLUSH_DISK_TIMEOUT':
    case 'FLUSH_SLAVE_TIMEOUT':
    case 'SLAVE_NOT_AVAILABLE':
      status = r.status;
      break;
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return fail('MESSAGE_ILLEGAL', r.remark ?? 'the message is illegal, maybe msg body or properties length not matched');
    case 'SERVICE_NOT_AVAILABLE':
      return fail('SERVICE_NOT_AVAILABLE', r.remark ?? 'service not available now: the store is not writable or is shutting down');
    case 'OS_PAGE_CACHE_BUSY':
      return fail('SYSTEM_ERROR', '[PC_SYNCHRONIZED]broker busy, start flow control for a while');
    default:
      return fail('SYSTEM_ERROR', r.remark ?? `store failed: ${r.status}`);
  }
  return { status, msgId: r.msgId, topic, queueId, queueOffset: r.queueOffset, physicalOffset: r.physicalOffset, storeTimestamp: r.storeTimestamp };
}
