// How a transactional message changes shape on its way: the half record a producer's
// prepared send becomes, the record a commit writes to the real topic, the record a check
// request carries, and the op records that say a half message is finished or was checked.
import {
  Prop,
  SysFlag,
  SystemTopic,
  encodeHost,
  encodeProperties,
  encodeRecord,
  type Properties,
  type StoredMessage,
} from '@contrail/common';
import type { PutMessageInput } from '../store/message-store-port.js';

/** Op record tags: the half message is finished (committed, rolled back or discarded) / was checked. */
export const OP_DONE_TAG = 'd';
export const OP_CHECK_TAG = 'c';

/** Clears the transaction type bits (2–3) and sets `type`. */
export function withTransactionType(sysFlag: number, type: number): number {
  return (sysFlag & ~0xc) | type;
}

/** Where a prepared message is stored: the half topic, queue 0, its destination kept in properties. */
export function halfTarget<T extends { topic: string; queueId: number; props: Properties }>(target: T): T {
  const props = { ...target.props, [Prop.REAL_TOPIC]: target.topic, [Prop.REAL_QID]: String(target.queueId) };
  return { ...target, topic: SystemTopic.TRANS_HALF, queueId: 0, props };
}

/**
 * The committed message: the half record's body, flags and born data, in its real topic and
 * queue, with the COMMIT type and preparedTransactionOffset pointing at the half record. TRAN_MSG,
 * REAL_TOPIC and REAL_QID go (PGROUP stays); the store timestamp is the half message's.
 */
export function committedMessage(half: StoredMessage): { topic: string; queueId: number; props: Properties; input: Omit<PutMessageInput, 'topic' | 'queueId' | 'properties'> } {
  const props: Properties = { ...half.properties };
  const topic = props[Prop.REAL_TOPIC] ?? '';
  const queueId = Number(props[Prop.REAL_QID] ?? 0);
  delete props[Prop.TRAN_MSG];
  delete props[Prop.REAL_TOPIC];
  delete props[Prop.REAL_QID];
  delete props[Prop.TRANSACTION_CHECK_TIMES];
  return {
    topic,
    queueId,
    props,
    input: {
      flag: half.flag,
      sysFlag: withTransactionType(half.sysFlag, SysFlag.TRANSACTION_COMMIT_TYPE),
      bornTimestamp: half.bornTimestamp,
      bornHost: half.bornHost,
      reconsumeTimes: half.reconsumeTimes,
      preparedTransactionOffset: half.physicalOffset,
      body: half.body,
      storeTimestamp: half.storeTimestamp,
    },
  };
}

/**
 * The body of CHECK_TRANSACTION_STATE: the half record as stored (its queue and commit-log
 * offsets are what the producer echoes back) but under its real topic and queue, with the
 * number of checks so far.
 */
export function checkRequestBody(half: StoredMessage, checkTimes: number): Buffer {
  const props: Properties = { ...half.properties, [Prop.TRANSACTION_CHECK_TIMES]: String(checkTimes) };
  const topic = half.properties[Prop.REAL_TOPIC] ?? half.topic;
  return encodeRecord({
    queueId: Number(half.properties[Prop.REAL_QID] ?? half.queueId),
    flag: half.flag,
    queueOffset: half.queueOffset,
    physicalOffset: half.physicalOffset,
    sysFlag: withTransactionType(half.sysFlag, SysFlag.TRANSACTION_PREPARED_TYPE),
    bornTimestamp: half.bornTimestamp,
    bornHost: encodeHost(half.bornHost),
    storeTimestamp: half.storeTimestamp,
    storeHost: encodeHost(half.storeHost),
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.preparedTransactionOffset,
    body: half.body,
    topic: Buffer.from(topic, 'utf8'),
    properties: Buffer.from(encodeProperties(props), 'utf8'),
  });
}

/** An op record about half queue offset `halfOffset` (body: the offset in decimal, as RocketMQ writes it). */
export function opMessage(halfOffset: number, tag: string, storeHost: string, checkTimes?: number): PutMessageInput {
  const props: Properties = { [Prop.TAGS]: tag };
  if (checkTimes !== undefined) props[Prop.TRANSACTION_CHECK_TIMES] = String(checkTimes);
  return {
    topic: SystemTopic.TRANS_OP_HALF,
    queueId: 0,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from(String(halfOffset), 'utf8'),
    properties: encodeProperties(props),
  };
}

/** The half message moved aside after too many unanswered checks. */
export function discardedMessage(half: StoredMessage, checkTimes: number): PutMessageInput {
  const props: Properties = { ...half.properties, [Prop.TRANSACTION_CHECK_TIMES]: String(checkTimes) };
  return {
    topic: SystemTopic.TRANS_CHECK_MAX_TIME,
    queueId: 0,
    flag: half.flag,
    sysFlag: half.sysFlag,
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.physicalOffset,
    body: half.body,
    properties: encodeProperties(props),
  };
}
