// Recall handles (RocketMQ 5.3): the send result of a timer message carries one, and a
// producer that gives it back (RECALL_MESSAGE, gRPC RecallMessage) before the message is due
// cancels the delivery. The handle names the topic, the broker that holds the message, the
// due time and the message id: "v1 <topic> <broker> <due ms> <id>", base64url.
import { ContrailError, Prop, type Properties } from '@contrail/common';
import { TIMER_OUT_MS } from './timer-target.js';

/** A delete marker's property: which message (topic + "+" + message id) not to deliver. */
export const TIMER_DEL_UNIQKEY = 'TIMER_DEL_UNIQKEY';

export interface RecallHandle {
  topic: string;
  brokerName: string;
  dueMs: number;
  messageId: string;
}

export function encodeRecallHandle(h: RecallHandle): string {
  return Buffer.from(['v1', h.topic, h.brokerName, String(h.dueMs), h.messageId].join(' '), 'utf8').toString('base64url');
}

/** Throws ILLEGAL_OPERATION for anything that is not a handle this broker could have made. */
export function decodeRecallHandle(text: string): RecallHandle {
  const parts = Buffer.from(text, 'base64url').toString('utf8').split(' ');
  const [version, topic, brokerName, due, messageId] = parts;
  const dueMs = Number(due);
  if (parts.length !== 5 || version !== 'v1' || !topic || !brokerName || !messageId || !Number.isSafeInteger(dueMs)) {
    throw new ContrailError('ILLEGAL_OPERATION', 'recall failed, the recall handle is not valid');
  }
  return { topic, brokerName, dueMs, messageId };
}

export function deleteKey(topic: string, messageId: string): string {
  return `${topic}+${messageId}`;
}

/** The handle for a message the send path made a timer message (its stored properties). */
export function recallHandleOf(props: Properties, brokerName: string): string | undefined {
  const due = Number(props[TIMER_OUT_MS]);
  const topic = props[Prop.REAL_TOPIC];
  const messageId = props[Prop.UNIQ_KEY];
  if (!Number.isSafeInteger(due) || topic === undefined || messageId === undefined) return undefined;
  return encodeRecallHandle({ topic, brokerName, dueMs: due, messageId });
}
