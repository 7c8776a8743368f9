// Turns a PutMessageInput into stored-message bytes: validation, the size known before a
// position is chosen, encoding in place (no intermediate record buffer), offset msgIds.
import {
  encodeHost,
  findProperty,
  MAX_PROPERTIES_LENGTH,
  MAX_TOPIC_LENGTH,
  Prop,
  recordSize,
  SysFlag,
  writeRecord,
} from '@contrail/common';
import type { PutMessageInput, PutMessageStatus } from './message-store.js';
import { computeTagsCode, type DispatchRequest } from './dispatch-request.js';

export interface PreparedRecord {
  input: PutMessageInput;
  topic: Buffer;
  properties: Buffer;
  bornHost: Buffer;
  sysFlag: number;
  size: number;
}

export interface PrepareFailure {
  status: PutMessageStatus;
  remark: string;
}

export class RecordEncoder {
  readonly storeHostBytes: Buffer;
  private readonly msgIdPrefix: string;
  private readonly topics = new Map<string, Buffer>();
  private lastBornHost = '';
  private lastBornHostBytes: Buffer = Buffer.alloc(8);

  constructor(
    storeHost: string,
    private readonly maxMessageSize: number,
    private readonly delayLevels: readonly number[],
  ) {
    this.storeHostBytes = encodeHost(storeHost);
    this.msgIdPrefix = this.storeHostBytes.toString('hex').toUpperCase();
  }

  prepare(m: PutMessageInput): PreparedRecord | PrepareFailure {
    const topic = this.topicBytes(m.topic);
    if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
      return { status: 'MESSAGE_ILLEGAL', remark: `topic length ${topic.length} not in 1..${MAX_TOPIC_LENGTH}` };
    }
    if (m.body.length > this.maxMessageSize) {
      return { status: 'MESSAGE_ILLEGAL', remark: `body of ${m.body.length} bytes exceeds maxMessageSize ${this.maxMessageSize}` };
    }
    const properties = Buffer.from(m.properties, 'utf8');
    if (properties.length > MAX_PROPERTIES_LENGTH) {
      return { status: 'PROPERTIES_SIZE_EXCEEDED', remark: `properties of ${properties.length} bytes exceed ${MAX_PROPERTIES_LENGTH}` };
    }
    if (!Number.isInteger(m.queueId) || m.queueId < 0) return { status: 'MESSAGE_ILLEGAL', remark: `bad queueId ${m.queueId}` };
    const bornHost = this.bornHostBytes(m.bornHost);
    let sysFlag = m.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
    if (bornHost.length === 20) sysFlag |= SysFlag.BORNHOST_V6;
    if (this.storeHostBytes.length === 20) sysFlag |= SysFlag.STOREHOST_V6;
    const size = recordSize(m.body.length, topic.length, properties.length, bornHost.length, this.storeHostBytes.length);
    return { input: m, topic, properties, bornHost, sysFlag, size };
  }

  encode(target: Buffer, pos: number, p: PreparedRecord, physicalOffset: number, queueOffset: number, storeTimestamp: number): void {
    const m = p.input;
    writeRecord(target, pos, {
      queueId: m.queueId,
      flag: m.flag,
      queueOffset,
      physicalOffset,
      sysFlag: p.sysFlag,
      bornTimestamp: m.bornTimestamp,
      bornHost: p.bornHost,
      storeTimestamp,
      storeHost: this.storeHostBytes,
      reconsumeTimes: m.reconsumeTimes,
      preparedTransactionOffset: m.preparedTransactionOffset,
      body: m.body,
      topic: p.topic,
      properties: p.properties,
    });
  }

  dispatchOf(p: PreparedRecord, physicalOffset: number, queueOffset: number, storeTimestamp: number): DispatchRequest {
    const m = p.input;
    const props = m.properties;
    const hasProps = props.length > 0;
    return {
      topic: m.topic,
      queueId: m.queueId,
      queueOffset,
      physicalOffset,
      size: p.size,
      tagsCode: computeTagsCode(
        this.delayLevels,
        m.topic,
        m.queueId,
        storeTimestamp,
        hasProps ? findProperty(props, Prop.TAGS) : undefined,
        hasProps ? findProperty(props, Prop.DELAY) : undefined,
      ),
      storeTimestamp,
      sysFlag: p.sysFlag,
      keys: hasProps ? findProperty(props, Prop.KEYS) : undefined,
      uniqKey: hasProps ? findProperty(props, Prop.UNIQ_KEY) : undefined,
    };
  }

  /** The offset msgId, without the BigInt round trip of the general encoder. */
  msgId(physicalOffset: number): string {
    return this.msgIdPrefix + physicalOffset.toString(16).toUpperCase().padStart(16, '0');
  }

  private topicBytes(topic: string): Buffer {
    let b = this.topics.get(topic);
    if (b === undefined) {
      b = Buffer.from(topic, 'utf8');
      if (this.topics.size > 10_000) this.topics.clear();
      this.topics.set(topic, b);
    }
    return b;
  }

  private bornHostBytes(host: string | Buffer): Buffer {
    if (typeof host !== 'string') return host;
    if (host !== this.lastBornHost) {
      this.lastBornHostBytes = encodeHost(host);
      this.lastBornHost = host;
    }
    return this.lastBornHostBytes;
  }
}

export function isPrepareFailure(p: PreparedRecord | PrepareFailure): p is PrepareFailure {
  return 'status' in p;
}
