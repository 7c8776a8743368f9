// What a send returns, and how a SEND response turns into it.
import { ContrailError } from '@contrail/common';
import type { MessageQueue } from './message-queue.js';

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  status: SendStatus;
  /** The client-generated ID (UNIQ_KEY); stays with the message through retries and delays. */
  msgId: string;
  /** Where the broker stored it (store host + commit-log offset): for viewMessage. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  queueOffset: number;
  /** For a message the broker holds until a delivery time: the handle for Producer.recallMessage. */
  recallHandle?: string;
}

/** Response codes that mean "stored", each with the status it reports. */
const STORED: ReadonlyMap<number, SendStatus> = new Map<number, SendStatus>([
  [0, 'SEND_OK'],
  [10, 'FLUSH_DISK_TIMEOUT'],
  [12, 'FLUSH_SLAVE_TIMEOUT'],
  [11, 'SLAVE_NOT_AVAILABLE'],
]);

/** Response codes after which a send is tried again, on another broker where there is one. */
const RETRIABLE_CODES: ReadonlySet<number> = new Set([17, 14, 1, 16, 204, 205, 2]);

export function sendStatusOf(code: number): SendStatus | undefined {
  return STORED.get(code);
}

/** True for response codes and transport failures (timeout, closed, connect) worth a retry. */
export function isRetriableSendError(err: unknown): boolean {
  if (!(err instanceof ContrailError)) return false;
  if (err.responseCode !== null && err.code !== 'REQUEST_TIMEOUT') return RETRIABLE_CODES.has(err.responseCode);
  return err.retriable;
}

export interface SendResponse {
  code: number;
  remark?: string | undefined;
  extFields: Record<string, string>;
}

/**
 * The results of one SEND response for the messages it carried, in order: one for a single
 * send, one per item for a batch (the broker answers with comma-joined offset IDs and the
 * queue offset of the first item).
 */
export function sendResultsOf(res: SendResponse, mq: MessageQueue, uniqIds: readonly string[]): SendResult[] {
  const status = sendStatusOf(res.code);
  if (status === undefined) throw ContrailError.fromResponse(res.code, res.remark);
  const ext = res.extFields;
  const queueId = ext.queueId !== undefined && ext.queueId !== '' ? Number(ext.queueId) : mq.queueId;
  const messageQueue: MessageQueue = queueId === mq.queueId ? mq : { topic: mq.topic, brokerName: mq.brokerName, queueId };
  const first = Number(ext.queueOffset ?? -1);
  const offsetIds = (ext.msgId ?? '').split(',');
  return uniqIds.map((msgId, i) => {
    const r: SendResult = { status, msgId, offsetMsgId: offsetIds[i] ?? '', messageQueue, queueOffset: first >= 0 ? first + i : first };
    if (uniqIds.length === 1 && ext.recallHandle !== undefined && ext.recallHandle !== '') r.recallHandle = ext.recallHandle;
    return r;
  });
}
