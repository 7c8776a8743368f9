// Messages as consumers and queries see them: decoded from stored records, body inflated,
// IDs resolved the way RocketMQ clients resolve them (msgId = UNIQ_KEY, else the offset ID).
// Pulled messages take their properties, IDs and hosts from the record only when asked for
// them: a consumer that reads only bodies never pays for the strings.
import { inspect } from 'node:util';
import {
  Prop,
  SysFlag,
  createLogger,
  createOffsetMsgId,
  decodeHost,
  decodeProperties,
  readLong,
  RecordPos,
  scanRecord,
  uncompressedBody,
  type Properties,
  type RecordLayout,
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
  const body = inflated(m, () => m.msgId);
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

function inflated(m: Pick<StoredMessage, 'sysFlag' | 'body' | 'topic'>, msgId: () => string): Buffer {
  try {
    return uncompressedBody(m);
  } catch (err) {
    // One undecodable body must not stall a queue: hand it over as stored and say so.
    log.warn({ err, msgId: msgId(), topic: m.topic }, 'cannot inflate message body; delivering it as stored');
    return m.body;
  }
}

/** The keys of MessageExt, for copies that must read every field (lazy ones included). */
const FIELDS = [
  'topic',
  'body',
  'tags',
  'keys',
  'properties',
  'msgId',
  'offsetMsgId',
  'queueId',
  'queueOffset',
  'brokerName',
  'storeTimestamp',
  'bornTimestamp',
  'bornHost',
  'storeHost',
  'reconsumeTimes',
  'commitLogOffset',
  'sysFlag',
  'flag',
] as const satisfies readonly (keyof MessageExt)[];

/** A plain-object copy of every field of `m` (spread would miss the lazy ones of a pulled message). */
export function messageFields(m: MessageExt): MessageExt {
  const out: Partial<Record<keyof MessageExt, unknown>> = {};
  for (const k of FIELDS) out[k] = m[k];
  return out as MessageExt;
}

interface Known {
  flag?: number;
  commitLogOffset?: number;
  bornTimestamp?: number;
  storeTimestamp?: number;
  reconsumeTimes?: number;
  tags?: string | undefined;
  keys?: string[];
  msgId?: string;
  offsetMsgId?: string;
  bornHost?: string;
  storeHost?: string;
}

/** A message read from a record in place; the string fields are decoded on first use. */
class PulledMessage implements MessageExt {
  topic: string;
  body: Buffer;
  queueId: number;
  queueOffset: number;
  brokerName: string;
  sysFlag: number;
  readonly #record: Buffer;
  /** Where the record starts in #record (the fixed fields are read from there when asked for). */
  readonly #at: number;
  readonly #propertiesAt: number;
  readonly #propertiesLength: number;
  readonly #extra: Properties | undefined;
  #properties: Properties | undefined;
  #known: Known | undefined;

  constructor(record: Buffer, at: number, l: RecordLayout, brokerName: string, extra: Properties | undefined) {
    this.#record = record;
    this.#at = at;
    this.#extra = extra;
    this.topic = record.toString('utf8', l.topicAt, l.topicAt + l.topicLength);
    this.queueId = l.queueId;
    this.queueOffset = l.queueOffset;
    this.brokerName = brokerName;
    this.sysFlag = l.sysFlag;
    this.#propertiesAt = l.propertiesAt;
    this.#propertiesLength = l.propertiesLength;
    const body = record.subarray(l.bodyAt, l.bodyAt + l.bodyLength);
    this.body = (l.sysFlag & SysFlag.COMPRESSED) === 0 ? body : inflated({ sysFlag: l.sysFlag, body, topic: this.topic }, () => this.msgId);
  }

  get #bornHostAt(): number {
    return this.#at + RecordPos.BORNHOST;
  }

  get #storeTimestampAt(): number {
    return this.#bornHostAt + ((this.sysFlag & SysFlag.BORNHOST_V6) !== 0 ? 20 : 8);
  }

  get #storeHostLength(): number {
    return (this.sysFlag & SysFlag.STOREHOST_V6) !== 0 ? 20 : 8;
  }

  get flag(): number {
    return this.#known?.flag ?? this.#record.readInt32BE(this.#at + RecordPos.FLAG);
  }
  set flag(v: number) {
    this.#set().flag = v;
  }

  get commitLogOffset(): number {
    return this.#known?.commitLogOffset ?? readLong(this.#record, this.#at + RecordPos.PHYSICALOFFSET);
  }
  set commitLogOffset(v: number) {
    this.#set().commitLogOffset = v;
  }

  get bornTimestamp(): number {
    return this.#known?.bornTimestamp ?? readLong(this.#record, this.#at + RecordPos.BORNTIMESTAMP);
  }
  set bornTimestamp(v: number) {
    this.#set().bornTimestamp = v;
  }

  get storeTimestamp(): number {
    return this.#known?.storeTimestamp ?? readLong(this.#record, this.#storeTimestampAt);
  }
  set storeTimestamp(v: number) {
    this.#set().storeTimestamp = v;
  }

  get reconsumeTimes(): number {
    return this.#known?.reconsumeTimes ?? this.#record.readInt32BE(this.#storeTimestampAt + 8 + this.#storeHostLength);
  }
  set reconsumeTimes(v: number) {
    this.#set().reconsumeTimes = v;
  }

  /** Fields assigned by the application, and decoded ones, once known. */
  #set(): Known {
    return (this.#known ??= {});
  }

  get properties(): Properties {
    if (this.#properties === undefined) {
      this.#properties = decodeProperties(this.#record.toString('utf8', this.#propertiesAt, this.#propertiesAt + this.#propertiesLength));
      if (this.#extra !== undefined) Object.assign(this.#properties, this.#extra);
    }
    return this.#properties;
  }
  set properties(v: Properties) {
    this.#properties = v;
  }

  get tags(): string | undefined {
    return this.#known !== undefined && 'tags' in this.#known ? this.#known.tags : this.properties[Prop.TAGS];
  }
  set tags(v: string | undefined) {
    this.#set().tags = v;
  }

  get keys(): string[] {
    const known = this.#set();
    if (known.keys === undefined) {
      const keys = this.properties[Prop.KEYS];
      known.keys = keys === undefined ? [] : keys.split(' ').filter((k) => k.length > 0);
    }
    return known.keys;
  }
  set keys(v: string[]) {
    this.#set().keys = v;
  }

  get msgId(): string {
    return (this.#set().msgId ??= this.properties[Prop.UNIQ_KEY] ?? this.offsetMsgId);
  }
  set msgId(v: string) {
    this.#set().msgId = v;
  }

  get offsetMsgId(): string {
    const at = this.#storeTimestampAt + 8;
    return (this.#set().offsetMsgId ??= createOffsetMsgId(this.#record.subarray(at, at + this.#storeHostLength), this.commitLogOffset));
  }
  set offsetMsgId(v: string) {
    this.#set().offsetMsgId = v;
  }

  get bornHost(): string {
    return (this.#set().bornHost ??= decodeHost(this.#record, this.#bornHostAt, (this.sysFlag & SysFlag.BORNHOST_V6) !== 0));
  }
  set bornHost(v: string) {
    this.#set().bornHost = v;
  }

  get storeHost(): string {
    return (this.#set().storeHost ??= decodeHost(this.#record, this.#storeTimestampAt + 8, this.#storeHostLength === 20));
  }
  set storeHost(v: string) {
    this.#set().storeHost = v;
  }

  toJSON(): MessageExt {
    return messageFields(this);
  }

  [inspect.custom](_depth: number, options: object): string {
    return inspect(messageFields(this), options);
  }
}

/**
 * Decodes concatenated stored records (a pull, query or view body). `extra` properties are
 * added to each message's own (a pull adds MIN_OFFSET and MAX_OFFSET, as Java clients do).
 */
export function decodeMessages(body: Buffer | undefined, brokerName: string, extra?: Properties): MessageExt[] {
  if (body === undefined || body.length === 0) return [];
  const out: MessageExt[] = [];
  // Walk the fields rather than trusting TOTALSIZE, as RocketMQ clients do; stop at the
  // first record that does not decode.
  const l = {} as RecordLayout;
  const options = { strict: false };
  let pos = 0;
  while (pos + 4 <= body.length) {
    try {
      scanRecord(body, pos, options, l);
    } catch {
      break;
    }
    out.push(new PulledMessage(body, pos, l, brokerName, extra));
    pos += l.size;
  }
  return out;
}
