// The broker's side of recall: the delete marker's key and the handle a timer message's send
// result carries (the handle's codec is common's).
import { Prop, encodeRecallHandle, type Properties } from '@contrail/common';
import { TIMER_OUT_MS } from './timer-target.js';

/** A delete marker's property: which message (topic + "+" + message id) not to deliver. */
export const TIMER_DEL_UNIQKEY = 'TIMER_DEL_UNIQKEY';

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
