// A message on its way to a broker: validated, with its UNIQ_KEY assigned and its body
// compressed when large, ready to be put in a SEND frame or a batch item.
import { deflateSync } from 'node:zlib';
import {
  ContrailError,
  FORBIDDEN_SEND_TOPICS,
  MAX_PROPERTIES_LENGTH,
  Prop,
  RETRY_GROUP_TOPIC_PREFIX,
  SysFlag,
  createUniqId,
  encodeProperties,
  messageProperties,
  validateName,
  type Message,
  type Properties,
} from '@contrail/common';

/** A message as the application hands it over: the body may be a string (sent as UTF-8). */
export type SendableMessage = Omit<Message, 'body'> & {
  body: Buffer | string;
  /** Delay level (1..18 on a default broker: 1s 5s 10s 30s 1m ... 2h); property DELAY. */
  delayLevel?: number;
  /** Deliver at this time (ms epoch, any time up to the broker's timerMaxDelaySec ahead); property TIMER_DELIVER_MS. */
  deliverTimeMs?: number;
  /** Deliver this many seconds after the broker stores it; property TIMER_DELAY_SEC. */
  delaySeconds?: number;
};

export interface PreparedMessage {
  topic: string;
  /** As it goes on the wire: compressed when `sysFlag` says so. */
  body: Buffer;
  flag: number;
  sysFlag: number;
  properties: Properties;
  /** The encoded property string. */
  propertiesText: string;
  uniqId: string;
  bornTimestamp: number;
  /** May travel inside a SEND_BATCH_MESSAGE (no delay, not compressed, not a retry topic). */
  batchable: boolean;
}

/** Properties that make a message unfit for a batch: the broker applies them per request. */
const NOT_IN_BATCH = [Prop.DELAY, Prop.TRAN_MSG, Prop.TIMER_DELIVER_MS, Prop.TIMER_DELAY_SEC, Prop.TIMER_DELAY_MS, Prop.START_DELIVER_TIME];

export interface PrepareLimits {
  maxMessageSize: number;
  /** Bodies of at least this many bytes are zlib-compressed; Infinity never compresses. */
  compressOver: number;
}

/** The last topic checkTopic passed (a producer sends to few topics, mostly the same one). */
let lastGoodTopic: string | undefined;

export function checkTopic(topic: string): void {
  if (topic === lastGoodTopic) return;
  const bad = validateName(topic, 'topic');
  if (bad !== null) throw new ContrailError('MESSAGE_ILLEGAL', bad);
  if (FORBIDDEN_SEND_TOPICS.has(topic)) throw new ContrailError('MESSAGE_ILLEGAL', `sending to system topic ${topic} is not allowed`);
  lastGoodTopic = topic;
}

export function prepareMessage(msg: SendableMessage, limits: PrepareLimits, now = Date.now()): PreparedMessage {
  checkTopic(msg.topic);
  const raw = typeof msg.body === 'string' ? Buffer.from(msg.body, 'utf8') : msg.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new ContrailError('MESSAGE_ILLEGAL', 'the message body is empty');
  if (raw.length > limits.maxMessageSize) {
    throw new ContrailError('MESSAGE_ILLEGAL', `the message body is ${raw.length} bytes, over maxMessageSize ${limits.maxMessageSize}`);
  }
  if (isPlain(msg) && raw.length < limits.compressOver) {
    // Nothing but a body (most sends): the same result as below without the property object
    // copy, the batch checks and the encoding loop.
    const id = createUniqId();
    return {
      topic: msg.topic,
      body: raw,
      flag: msg.flag ?? 0,
      sysFlag: 0,
      properties: { [Prop.UNIQ_KEY]: id },
      propertiesText: UNIQ_KEY_ENTRY + id,
      uniqId: id,
      bornTimestamp: now,
      batchable: !msg.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX),
    };
  }
  const properties = messageProperties(msg);
  applyDelivery(msg, properties);
  let uniqId = properties[Prop.UNIQ_KEY];
  if (uniqId === undefined || uniqId.length === 0) {
    uniqId = createUniqId();
    properties[Prop.UNIQ_KEY] = uniqId;
  }
  let body = raw;
  // Java sets the PREPARED type on every message carrying TRAN_MSG=true.
  let sysFlag = properties[Prop.TRAN_MSG] === 'true' ? SysFlag.TRANSACTION_PREPARED_TYPE : 0;
  if (raw.length >= limits.compressOver) {
    const deflated = deflateSync(raw);
    // Compression that does not pay is skipped, as it would only cost the consumer.
    if (deflated.length < raw.length) {
      body = deflated;
      // COMPRESSED plus the ZLIB type bits, as Java 4.9.7 writes it; decoders that ignore the
      // type bits (ali-ons, older Java) still inflate it with zlib.
      sysFlag |= SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB;
    }
  }
  const batchable = sysFlag === 0 && !msg.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) && !NOT_IN_BATCH.some((p) => p in properties);
  const propertiesText = encodeChecked(properties);
  return { topic: msg.topic, body, flag: msg.flag ?? 0, sysFlag, properties, propertiesText, uniqId, bornTimestamp: now, batchable };
}

const UNIQ_KEY_ENTRY = `${Prop.UNIQ_KEY}\u0001`;

/** No properties, tags, keys or delivery time: only a UNIQ_KEY to add. */
function isPlain(msg: SendableMessage): boolean {
  return (
    msg.properties === undefined &&
    msg.tags === undefined &&
    msg.keys === undefined &&
    msg.delayLevel === undefined &&
    msg.deliverTimeMs === undefined &&
    msg.delaySeconds === undefined
  );
}

/** The property string, checked against the 32767-byte limit of the stored record. */
export function encodeChecked(properties: Properties): string {
  const text = encodeProperties(properties);
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no byte count.
  if (text.length * 3 > MAX_PROPERTIES_LENGTH && Buffer.byteLength(text, 'utf8') > MAX_PROPERTIES_LENGTH) {
    throw new ContrailError('MESSAGE_ILLEGAL', `message properties are longer than ${MAX_PROPERTIES_LENGTH} bytes`);
  }
  return text;
}

/** The delivery options become the properties brokers read. */
function applyDelivery(msg: SendableMessage, properties: Properties): void {
  const whole = (v: number, what: string, min: number): string => {
    if (!Number.isSafeInteger(v) || v < min) throw new ContrailError('MESSAGE_ILLEGAL', `${what} must be an integer of at least ${min}, got ${v}`);
    return String(v);
  };
  if (msg.delayLevel !== undefined && msg.delayLevel !== 0) properties[Prop.DELAY] = whole(msg.delayLevel, 'delayLevel', 1);
  if (msg.deliverTimeMs !== undefined) properties[Prop.TIMER_DELIVER_MS] = whole(msg.deliverTimeMs, 'deliverTimeMs', 0);
  if (msg.delaySeconds !== undefined) properties[Prop.TIMER_DELAY_SEC] = whole(msg.delaySeconds, 'delaySeconds', 0);
}
