// The SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE request header with its short field names. Every
// value is a string: Java brokers expect them so, and ours accepts either.
import { RETRY_GROUP_TOPIC_PREFIX, SystemTopic } from '@contrail/common';

export interface SendHeaderFields {
  producerGroup: string;
  topic: string;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  /** The encoded property string. */
  properties: string;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
  batch?: boolean;
  brokerName?: string;
}

export const DEFAULT_TOPIC_QUEUE_NUMS = 4;

export function buildSendHeaderV2(f: SendHeaderFields): Record<string, string> {
  const h: Record<string, string> = {
    a: f.producerGroup,
    b: f.topic,
    c: SystemTopic.AUTO_CREATE,
    d: String(DEFAULT_TOPIC_QUEUE_NUMS),
    e: String(f.queueId),
    f: String(f.sysFlag),
    g: String(f.bornTimestamp),
    h: String(f.flag),
    i: f.properties,
    j: String(f.reconsumeTimes ?? 0),
    k: 'false',
  };
  // maxReconsumeTimes only means something on retry topics; the broker reads it there.
  if (f.maxReconsumeTimes !== undefined && f.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) h.l = String(f.maxReconsumeTimes);
  h.m = f.batch === true ? 'true' : 'false';
  if (f.brokerName !== undefined) h.n = f.brokerName;
  return h;
}
