// Stored records as apache.rocketmq.v2.Message, the shape every delivered message (and a
// transaction check) takes on the gRPC door. Properties RocketMQ reserves for itself become
// system properties or stay hidden; everything else is a user property, as the proxy does.
import { createHash } from 'node:crypto';
import { Prop, SysFlag, transactionType, uncompressedBody, type StoredMessage } from '@contrail/common';
import { TIMER_DEQUEUE_MS, TIMER_ENQUEUE_MS, TIMER_OUT_MS } from '../timer/timer-target.js';
import { durationOf, fromMillis } from './pb-time.js';
import type { PbMessage, PbSystemProperties } from './proto-types.js';

/** Property names that never reach user_properties (RocketMQ's reserved set, plus the timer's). */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  Prop.KEYS,
  Prop.TAGS,
  Prop.WAIT,
  Prop.DELAY,
  Prop.RETRY_TOPIC,
  Prop.REAL_TOPIC,
  Prop.REAL_QID,
  Prop.TRAN_MSG,
  Prop.PGROUP,
  Prop.MIN_OFFSET,
  Prop.MAX_OFFSET,
  Prop.ORIGIN_MESSAGE_ID,
  Prop.RECONSUME_TIME,
  Prop.MSG_REGION,
  Prop.TRACE_ON,
  Prop.UNIQ_KEY,
  Prop.MAX_RECONSUME_TIMES,
  Prop.CONSUME_START_TIME,
  Prop.TRAN_PREPARED_QUEUE_OFFSET,
  Prop.TRANSACTION_CHECK_TIMES,
  Prop.CHECK_IMMUNITY_TIME_IN_SECONDS,
  Prop.CLUSTER,
  Prop.TIMER_DELIVER_MS,
  Prop.TIMER_DELAY_SEC,
  Prop.TIMER_DELAY_MS,
  TIMER_OUT_MS,
  TIMER_ENQUEUE_MS,
  TIMER_DEQUEUE_MS,
  'BUYER_ID',
  'TRANSFER_FLAG',
  'CORRECTION_FLAG',
  'MQ2_FLAG',
  'INNER_NUM',
  'INNER_BASE',
  'TRACE_CONTEXT',
]);

export interface Delivery {
  receiptHandle: string;
  deliveryAttempt: number;
  invisibleMs: number;
}

export function toPbMessage(m: StoredMessage, delivery?: Delivery): PbMessage {
  const props = m.properties;
  const body = uncompressedBody(m);
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (!RESERVED_PROPERTIES.has(k)) user[k] = v;
  const group = props[Prop.SHARDING_KEY];
  const deliverAt = Number(props[TIMER_OUT_MS] ?? props[Prop.TIMER_DELIVER_MS] ?? NaN);
  const sys: PbSystemProperties = {
    keys: (props[Prop.KEYS] ?? '').split(' ').filter((k) => k.length > 0),
    message_id: props[Prop.UNIQ_KEY] ?? m.msgId,
    // MD5 in uppercase hex, as the proxy sends: the Node and Java clients agree on it.
    body_digest: { type: 'MD5', checksum: createHash('md5').update(body).digest('hex').toUpperCase() },
    body_encoding: 'IDENTITY',
    message_type: messageTypeOf(m, Number.isFinite(deliverAt)),
    born_timestamp: fromMillis(m.bornTimestamp),
    born_host: m.bornHost.slice(0, Math.max(0, m.bornHost.lastIndexOf(':'))) || m.bornHost,
    store_timestamp: fromMillis(m.storeTimestamp),
    store_host: m.storeHost,
    queue_id: m.queueId,
    queue_offset: m.queueOffset,
    delivery_attempt: delivery?.deliveryAttempt ?? m.reconsumeTimes + 1,
  };
  const tag = props[Prop.TAGS];
  if (tag !== undefined) sys.tag = tag;
  if (group !== undefined) sys.message_group = group;
  if (Number.isFinite(deliverAt)) sys.delivery_timestamp = fromMillis(deliverAt);
  if (delivery !== undefined) {
    sys.receipt_handle = delivery.receiptHandle;
    sys.invisible_duration = durationOf(delivery.invisibleMs);
  }
  return { topic: { name: m.topic }, user_properties: user, system_properties: sys, body };
}

function messageTypeOf(m: StoredMessage, delayed: boolean): string {
  const type = transactionType(m.sysFlag);
  if (m.properties[Prop.TRAN_MSG] === 'true' || type === SysFlag.TRANSACTION_PREPARED_TYPE || type === SysFlag.TRANSACTION_COMMIT_TYPE) return 'TRANSACTION';
  if (m.properties[Prop.SHARDING_KEY] !== undefined) return 'FIFO';
  if (delayed || m.properties[Prop.DELAY] !== undefined) return 'DELAY';
  return 'NORMAL';
}
