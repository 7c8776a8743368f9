// Messages as consumers and queries see them: decoded from stored records, body inflated,
// IDs resolved the way RocketMQ clients resolve them (msgId = UNIQ_KEY, else the offset ID).
import {
  Prop,
  createLogger,
  decodeRecords,
  uncompressedBody,
  type Properties,
  type StoredMessage,
} from '@contrail/common';

export interface MessageExt {
  topic: string;
  /** The body as the producer sent it (inflated if it travelled compressed). */
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  properties: Properties;
  /** UNIQ_KEY when the producer set one, else the offset ID. */
  msgId: string;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  brokerName: string;
  storeTimestamp: number;
  bornTimestamp: number;
  bornHost: string;
  storeHost: string;
  reconsumeTimes: number;
  commitLogOffset: number;
  sysFlag: number;
  flag: number;
}

const log = createLogger('client');

export function toMessageExt(m: StoredMessage, brokerName: string): MessageExt {
  let body = m.body;
  try {
    body = uncompressedBody(m);
  } catch (err) {
    // One undecodable body must not stall a queue: hand it over as stored and say so.
    log.warn({ err, msgId: m.msgId, topic: m.topic }, 'cannot inflate message body; delivering it as stored');
  }
  const keys = m.properties[Prop.KEYS];
  return {
    topic: m.topic,
    body,
    tags: m.properties[Prop.TAGS],
    keys: keys === undefined ? [] : keys.split(' ').filter((k) => k.length > 0),
    properties: m.properties,
    msgId: m.properties[Prop.UNIQ_KEY] ?? m.msgId,
    offsetMsgId: m.msgId,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    brokerName,
    storeTimestamp: m.storeTimestamp,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    commitLogOffset: m.physicalOffset,
    sysFlag: m.sysFlag,
    flag: m.flag,
  };
}

/** Decodes concatenated stored records (a pull, query or view body). */
export function decodeMessages(body: Buffer | undefined, brokerName: string): MessageExt[] {
  if (body === undefined || body.length === 0) return [];
  // Walk the fields rather than trusting TOTALSIZE, as RocketMQ clients do.
  return decodeRecords(body, { strict: false }).map((m) => toMessageExt(m, brokerName));
}
