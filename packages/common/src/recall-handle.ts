// Recall handles (RocketMQ 5.3): the send result of a timer message carries one, and a
// producer that gives it back (RECALL_MESSAGE, gRPC RecallMessage) before the message is due
// cancels the delivery. The handle names the topic, the broker that holds the message (so a
// client or a gRPC door knows where to send the recall), the due time and the message id:
// "v1 <topic> <broker> <due ms> <id>", base64url.
import { ContrailError } from './errors.js';

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
