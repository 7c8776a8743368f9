// Turns a PutMessageInput into stored-message bytes: validation, the size known before a
// position is chosen, encoding in place (no intermediate record buffer), offset msgIds.
import { bodyCrc, encodeHost, hexByte, MAX_PROPERTIES_LENGTH, MAX_TOPIC_LENGTH, MESSAGE_MAGIC_CODE, recordSize, SysFlag } from '@contrail/common';
import type { PutMessageInput, PutMessageStatus } from './message-store.js';
import { computeTagsCode, scanDispatchProperties, type DispatchProperties, type DispatchRequest } from './dispatch-request.js';
import { RECORD_CRC_LENGTH, writeRecordCrc } from './record-crc.js';

export interface PreparedRecord {
  input: PutMessageInput;
  topic: Buffer;
  /** UTF-8 length of input.properties (encoded straight into the log). */
  propertiesLength: number;
  /**
   * Bytes stored after the properties text: a separator where the text ends in NUL or the
   * whole-record CRC follows (so that no properties text ends in a zero byte: recovery reads
   * a last record whose text does as cut short by a crash), then that CRC when it is on.
   */
  tail: number;
  bornHost: Buffer;
  sysFlag: number;
  size: number;
}

export interface PrepareFailure {
  status: PutMessageStatus;
  remark: string;
}

/** Buffer's own string writers, without Buffer#write's argument parsing (stable since Node 0.x). */
interface RawWriteBuffer extends Buffer {
  latin1Write(s: string, offset: number, length: number): number;
  utf8Write(s: string, offset: number, length: number): number;
  latin1Slice(start: number, end: number): string;
}

function isInt32(v: number): boolean {
  return (v | 0) === v;
}

/*
 * The stored-message layout (common's writeRecord), written through a DataView of the chunk
 * (one store per field; byte stores took about 53 ns for a header, the DataView about 12-17):
 * the append path writes a record per message, and Buffer#writeInt32BE's range checks and
 * the field object cost more than the stores themselves. Values were checked by prepare().
 */
/** A whole number of up to 53 bits as a big-endian 64-bit integer (as common's writeLong). */
function putLong(v: DataView<ArrayBufferLike>, p: number, value: number): number {
  const hi = Math.floor(value / 0x100000000);
  v.setInt32(p, hi);
  v.setUint32(p + 4, value - hi * 0x100000000);
  return p + 8;
}

function putBytes(t: Buffer, p: number, b: Buffer): number {
  const n = b.length;
  if (n <= 32) {
    for (let i = 0; i < n; i++) t[p + i] = b[i] as number;
  } else {
    t.set(b, p);
  }
  return p + n;
}

const COMMA = 0x2c;
/** ASCII of the upper-case hex digits. */
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');

/** Most recycled dispatch requests kept. */
const SPARE_REQUESTS = 4096;

/** Most distinct born hosts kept encoded (cleared when reached). */
const BORN_HOST_CACHE_LIMIT = 4096;

export class RecordEncoder {
  readonly storeHostBytes: Buffer;
  private readonly topics = new Map<string, Buffer>();
  /** Encoded born hosts: a broker takes sends from many producers, each from one address. */
  private readonly bornHosts = new Map<string, Buffer>();
  private readonly msgIdPrefix: string;
  private readonly msgIdPrefixBytes: Buffer;
  private idScratch = Buffer.alloc(0) as RawWriteBuffer;
  private msgIdHigh = -1;
  private msgIdHead = '';
  /** The chunk encode() wrote to last, and a DataView of it. */
  private viewTarget: Buffer | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  /** Dispatch requests handed back by the reput (recycle), for dispatchOf to fill in again. */
  private readonly spareRequests: DispatchRequest[] = [];
  /** The properties the store reads, from one pass over the property string. */
  private readonly props: DispatchProperties = { tags: undefined, delay: undefined, keys: undefined, uniqKey: undefined };

  constructor(
    storeHost: string,
    private readonly maxMessageSize: number,
    private readonly delayLevels: readonly number[],
    /** Append the whole-record CRC property (record-crc.ts) to every record. */
    private readonly appendCrc = false,
    /**
     * Compute BODYCRC while encoding. False leaves it 0 for the commit log to fill in before
     * the write, for a whole group of records in one native call (commit-log.ts).
     */
    private readonly bodyCrcInline = true,
  ) {
    this.storeHostBytes = encodeHost(storeHost);
    this.msgIdPrefix = this.storeHostBytes.toString('hex').toUpperCase();
    this.msgIdPrefixBytes = Buffer.from(this.msgIdPrefix, 'latin1');
  }

  /**
   * Checks m and works out its record's size. With `into`, the answer is written there and
   * returned (a caller that encodes it before the next prepare, such as a single putMessage,
   * then allocates nothing).
   */
  prepare(m: PutMessageInput, into?: PreparedRecord): PreparedRecord | PrepareFailure {
    const topic = this.topicBytes(m.topic);
    if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
      return { status: 'MESSAGE_ILLEGAL', remark: `topic length ${topic.length} not in 1..${MAX_TOPIC_LENGTH}` };
    }
    if (m.body.length > this.maxMessageSize) {
      return { status: 'MESSAGE_ILLEGAL', remark: `body of ${m.body.length} bytes exceeds maxMessageSize ${this.maxMessageSize}` };
    }
    const propertiesLength = m.properties.length === 0 ? 0 : Buffer.byteLength(m.properties, 'utf8');
    // The CRC property follows a separator of its own when the text does not end with one.
    const lastChar = propertiesLength === 0 ? -1 : m.properties.charCodeAt(m.properties.length - 1);
    // The CRC property follows a separator of its own when the text does not end with one.
    const separator = lastChar === 0 || (this.appendCrc && lastChar > 0 && lastChar !== 2) ? 1 : 0;
    const tail = separator + (this.appendCrc ? RECORD_CRC_LENGTH : 0);
    if (propertiesLength + tail > MAX_PROPERTIES_LENGTH) {
      return { status: 'PROPERTIES_SIZE_EXCEEDED', remark: `properties of ${propertiesLength + tail} bytes exceed ${MAX_PROPERTIES_LENGTH}` };
    }
    if (!Number.isInteger(m.queueId) || m.queueId < 0 || !isInt32(m.queueId)) return { status: 'MESSAGE_ILLEGAL', remark: `bad queueId ${m.queueId}` };
    if (!isInt32(m.flag) || !isInt32(m.reconsumeTimes) || !isInt32(m.sysFlag)) {
      return { status: 'MESSAGE_ILLEGAL', remark: 'flag, sysFlag and reconsumeTimes must be 32-bit integers' };
    }
    const bornHost = this.bornHostBytes(m.bornHost);
    let sysFlag = m.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
    if (bornHost.length === 20) sysFlag |= SysFlag.BORNHOST_V6;
    if (this.storeHostBytes.length === 20) sysFlag |= SysFlag.STOREHOST_V6;
    const size = recordSize(m.body.length, topic.length, propertiesLength + tail, bornHost.length, this.storeHostBytes.length);
    if (into === undefined) return { input: m, topic, propertiesLength, tail, bornHost, sysFlag, size };
    into.input = m;
    into.topic = topic;
    into.propertiesLength = propertiesLength;
    into.tail = tail;
    into.bornHost = bornHost;
    into.sysFlag = sysFlag;
    into.size = size;
    return into;
  }

  encode(target: Buffer, pos: number, p: PreparedRecord, physicalOffset: number, queueOffset: number, storeTimestamp: number): void {
    const m = p.input;
    const body = m.body;
    const t = target;
    const v = this.viewOf(t);
    v.setInt32(pos, p.size);
    v.setInt32(pos + 4, MESSAGE_MAGIC_CODE);
    v.setInt32(pos + 8, this.bodyCrcInline ? bodyCrc(body) : 0);
    v.setInt32(pos + 12, m.queueId);
    v.setInt32(pos + 16, m.flag);
    let q = putLong(v, pos + 20, queueOffset);
    q = putLong(v, q, physicalOffset);
    v.setInt32(q, p.sysFlag);
    q = putLong(v, q + 4, m.bornTimestamp);
    q = putBytes(t, q, p.bornHost);
    q = putLong(v, q, storeTimestamp);
    q = putBytes(t, q, this.storeHostBytes);
    v.setInt32(q, m.reconsumeTimes);
    q = putLong(v, q + 4, m.preparedTransactionOffset);
    v.setInt32(q, body.length);
    q += 4;
    t.set(body, q);
    q += body.length;
    t[q++] = p.topic.length;
    q = putBytes(t, q, p.topic);
    const n = p.propertiesLength;
    const stored = n + p.tail;
    t[q++] = stored >>> 8;
    t[q++] = stored;
    if (n > 0) {
      const raw = t as RawWriteBuffer;
      // All ASCII when the UTF-8 length is the string length: latin1 writes the same bytes.
      if (n === m.properties.length) raw.latin1Write(m.properties, q, n);
      else raw.utf8Write(m.properties, q, n);
    }
    if (p.tail > 0) {
      if (p.tail !== RECORD_CRC_LENGTH) t[q + n] = 2;
      if (this.appendCrc) writeRecordCrc(t, pos, p.size);
    }
  }

  private viewOf(t: Buffer): DataView<ArrayBufferLike> {
    if (t !== this.viewTarget) {
      this.viewTarget = t;
      this.view = new DataView(t.buffer, t.byteOffset, t.byteLength);
    }
    return this.view;
  }

  /** What the reput needs of a record just encoded; in a recycled request when there is one. */
  dispatchOf(p: PreparedRecord, physicalOffset: number, queueOffset: number, storeTimestamp: number): DispatchRequest {
    const m = p.input;
    const props = this.props;
    scanDispatchProperties(m.properties, props);
    const tagsCode = computeTagsCode(this.delayLevels, m.topic, m.queueId, storeTimestamp, props.tags, props.delay);
    const r = this.spareRequests.pop();
    if (r === undefined) {
      return { topic: m.topic, queueId: m.queueId, queueOffset, physicalOffset, size: p.size, tagsCode, storeTimestamp, sysFlag: p.sysFlag, keys: props.keys, uniqKey: props.uniqKey };
    }
    r.topic = m.topic;
    r.queueId = m.queueId;
    r.queueOffset = queueOffset;
    r.physicalOffset = physicalOffset;
    r.size = p.size;
    r.tagsCode = tagsCode;
    r.storeTimestamp = storeTimestamp;
    r.sysFlag = p.sysFlag;
    r.keys = props.keys;
    r.uniqKey = props.uniqKey;
    return r;
  }

  /**
   * Takes back a request dispatchOf made, once nothing holds it any more (the reput after
   * dispatching it), for the next record.
   */
  recycle(r: DispatchRequest): void {
    if (this.spareRequests.length < SPARE_REQUESTS) this.spareRequests.push(r);
  }

  /**
   * The offset msgIds of records stored back to back from physicalOffset, comma-joined (a
   * batch's SendResult): written as bytes into one buffer and read out as one string, where a
   * string per record and a join cost about 140 bytes of garbage a record.
   */
  msgIds(physicalOffset: number, records: readonly PreparedRecord[]): string {
    const need = records.length * (this.msgIdPrefixBytes.length + 17);
    if (this.idScratch.length < need) this.idScratch = Buffer.allocUnsafe(Math.max(need, this.idScratch.length * 2)) as RawWriteBuffer;
    const out = this.idScratch;
    let q = 0;
    let phy = physicalOffset;
    for (let i = 0; i < records.length; i++) {
      if (i > 0) out[q++] = COMMA;
      q = this.putMsgId(out, q, phy);
      phy += (records[i] as PreparedRecord).size;
    }
    return out.latin1Slice(0, q);
  }

  /**
   * The offset msgId: the store host's hex, then the offset as 16 hex digits. A string built
   * from table pieces (about a third of the time of msgIds' buffer for one record).
   */
  msgId(physicalOffset: number): string {
    const hi = Math.floor(physicalOffset / 0x100000000);
    if (hi !== this.msgIdHigh) {
      this.msgIdHigh = hi;
      this.msgIdHead = this.msgIdPrefix + hi.toString(16).toUpperCase().padStart(8, '0');
    }
    const lo = physicalOffset >>> 0;
    return this.msgIdHead + hexByte(lo >>> 24) + hexByte(lo >>> 16) + hexByte(lo >>> 8) + hexByte(lo);
  }

  private putMsgId(out: Buffer, at: number, physicalOffset: number): number {
    const prefix = this.msgIdPrefixBytes;
    let q = at;
    for (let k = 0; k < prefix.length; k++) out[q++] = prefix[k] as number;
    const hi = Math.floor(physicalOffset / 0x100000000);
    const lo = physicalOffset >>> 0;
    for (let shift = 28; shift >= 0; shift -= 4) out[q++] = HEX[(hi >>> shift) & 0xf] as number;
    for (let shift = 28; shift >= 0; shift -= 4) out[q++] = HEX[(lo >>> shift) & 0xf] as number;
    return q;
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
    let bytes = this.bornHosts.get(host);
    if (bytes === undefined) {
      if (this.bornHosts.size >= BORN_HOST_CACHE_LIMIT) this.bornHosts.clear();
      bytes = encodeHost(host);
      this.bornHosts.set(host, bytes);
    }
    return bytes;
  }
}

/** A prepared record to prepare into (RecordEncoder.prepare's `into`). */
export function blankPrepared(): PreparedRecord {
  return { input: undefined as unknown as PutMessageInput, topic: Buffer.alloc(0), propertiesLength: 0, tail: 0, bornHost: Buffer.alloc(0), sysFlag: 0, size: 0 };
}

export function isPrepareFailure(p: PreparedRecord | PrepareFailure): p is PrepareFailure {
  return 'status' in p;
}
