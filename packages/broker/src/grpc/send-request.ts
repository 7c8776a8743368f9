// One apache.rocketmq.v2.Message from SendMessage as the core's send request, with the
// checks the proxy makes at its door (the codes the client maps to its exceptions).
import { gunzipSync } from 'node:zlib';
import { Prop, SysFlag, encodeProperties, javaStringHashCode, validateName, type Properties } from '@contrail/common';
import type { SendMessageRequest } from '../messaging/send-types.js';
import { Code, refuse } from './grpc-status.js';
import { RESERVED_PROPERTIES } from './message-codec.js';
import { toMillis } from './pb-time.js';
import type { PbMessage } from './proto-types.js';

const MAX_MESSAGE_GROUP_LENGTH = 64;
const MAX_USER_PROPERTIES_BYTES = 16 * 1024;

export interface SendLimits {
  maxBodySize: number;
  /** The topic's write queue count, or undefined when the topic is unknown. */
  writeQueueNums(topic: string): number | undefined;
}

export interface ConvertedSend {
  request: SendMessageRequest;
  messageId: string;
  transactional: boolean;
}

export function toSendRequest(msg: PbMessage, limits: SendLimits, now = Date.now()): ConvertedSend {
  const topic = msg.topic?.name ?? '';
  const why = validateName(topic);
  if (why !== null) refuse(Code.ILLEGAL_TOPIC, why);
  const sys = msg.system_properties;
  if (sys === undefined) refuse(Code.BAD_REQUEST, 'system_properties is required');
  const messageId = sys.message_id ?? '';
  if (messageId.length === 0 || messageId.length > 128) refuse(Code.ILLEGAL_MESSAGE_ID, `illegal message id ${JSON.stringify(messageId)}`);
  let body = msg.body ?? Buffer.alloc(0);
  if (sys.body_encoding === 'GZIP') {
    try {
      body = gunzipSync(body);
    } catch (err) {
      refuse(Code.BAD_REQUEST, `the body says GZIP but does not inflate: ${(err as Error).message}`);
    }
  }
  if (body.length > limits.maxBodySize) refuse(Code.MESSAGE_BODY_TOO_LARGE, `the message body size ${body.length} is over the max value ${limits.maxBodySize}`);

  const props: Properties = {};
  let userBytes = 0;
  for (const [k, v] of Object.entries(msg.user_properties ?? {})) {
    if (k.length === 0 || RESERVED_PROPERTIES.has(k) || hasSeparator(k) || hasSeparator(v)) {
      refuse(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `illegal user property ${JSON.stringify(k)}`);
    }
    userBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    props[k] = v;
  }
  if (userBytes > MAX_USER_PROPERTIES_BYTES) refuse(Code.MESSAGE_PROPERTIES_TOO_LARGE, `user properties take ${userBytes} bytes, over ${MAX_USER_PROPERTIES_BYTES}`);
  props[Prop.UNIQ_KEY] = messageId;
  if (sys.tag !== undefined) {
    if (sys.tag.trim().length === 0 || sys.tag.includes('|') || hasSeparator(sys.tag)) refuse(Code.ILLEGAL_MESSAGE_TAG, `illegal tag ${JSON.stringify(sys.tag)}`);
    props[Prop.TAGS] = sys.tag;
  }
  const keys = sys.keys ?? [];
  for (const k of keys) if (k.trim().length === 0 || /\s/.test(k) || hasSeparator(k)) refuse(Code.ILLEGAL_MESSAGE_KEY, `illegal message key ${JSON.stringify(k)}`);
  if (keys.length > 0) props[Prop.KEYS] = keys.join(' ');

  const type = String(sys.message_type ?? 'NORMAL');
  const group = sys.message_group;
  let queueId = -1;
  if (group !== undefined) {
    if (group.length === 0 || group.length > MAX_MESSAGE_GROUP_LENGTH || hasSeparator(group)) refuse(Code.ILLEGAL_MESSAGE_GROUP, `illegal message group ${JSON.stringify(group)}`);
    props[Prop.SHARDING_KEY] = group;
    // One message group, one queue: its messages keep their order.
    const n = limits.writeQueueNums(topic);
    if (n !== undefined && n > 0) queueId = Math.abs(javaStringHashCode(group) % n);
  }
  const deliverAt = toMillis(sys.delivery_timestamp);
  if (deliverAt !== undefined && deliverAt > now) props[Prop.TIMER_DELIVER_MS] = String(deliverAt);
  else if (type === 'DELAY' && deliverAt === undefined) refuse(Code.ILLEGAL_DELIVERY_TIME, 'a DELAY message needs delivery_timestamp');

  const transactional = type === 'TRANSACTION';
  if (transactional) {
    props[Prop.TRAN_MSG] = 'true';
    // The proxy's convention: a gRPC producer's group is its topic.
    props[Prop.PGROUP] = topic;
    props[Prop.TRANSACTION_ID] = messageId;
  }
  const born = toMillis(sys.born_timestamp);
  return {
    messageId,
    transactional,
    request: {
      producerGroup: topic,
      topic,
      // No auto-creation on the gRPC door: an unknown topic answers TOPIC_NOT_FOUND.
      defaultTopic: '',
      defaultTopicQueueNums: 0,
      queueId,
      sysFlag: transactional ? SysFlag.TRANSACTION_PREPARED_TYPE : 0,
      bornTimestamp: born !== undefined && born > 0 ? born : now,
      flag: 0,
      properties: encodeProperties(props),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      body,
    },
  };
}

/** The property codec's separators cannot appear inside a name or value. */
function hasSeparator(s: string): boolean {
  return s.includes('\u0001') || s.includes('\u0002');
}
