// The stored-message record (RocketMQ's MessageExt layout, magic v1): how a message lies in
// the commit log and travels, byte for byte, in pull, query and view responses.
//
//   TOTALSIZE i32 | MAGIC i32 | BODYCRC i32 | QUEUEID i32 | FLAG i32 | QUEUEOFFSET i64
//   | PHYSICALOFFSET i64 | SYSFLAG i32 | BORNTIMESTAMP i64 | BORNHOST 8 (v4) or 20 (v6)
//   | STORETIMESTAMP i64 | STOREHOST 8 or 20 | RECONSUMETIMES i32 | PREPARED_TX_OFFSET i64
//   | BODYLEN i32 + body | TOPICLEN u8 + topic | PROPERTIESLEN i16 + properties
import { inflateSync } from 'node:zlib';
import { bodyCrc } from './crc32.js';
import { SysFlag } from './message-const.js';
import { createOffsetMsgId, decodeHost } from './message-id.js';
import { decodeProperties, type Properties } from './properties.js';

export const MESSAGE_MAGIC_CODE = 0xdaa320a7 | 0;
/** Marks the unused tail of a commit-log segment. */
export const BLANK_MAGIC_CODE = 0xcbd43194 | 0;
export const MAX_PROPERTIES_LENGTH = 32767;

/** Offsets of the fixed fields (IPv4 hosts). */
export const RecordPos = {
  TOTALSIZE: 0,
  MAGIC: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
} as const;

export interface StoredMessage {
  storeSize: number;
  bodyCrc: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  /** "ip:port" */
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /** As stored: still compressed when sysFlag has COMPRESSED. */
  body: Buffer;
  topic: string;
  properties: Properties;
  /** The offset message ID (store host + physical offset). */
  msgId: string;
}

/** Everything a record needs, with topic, properties and hosts already in bytes. */
export interface RecordFields {
  queueId: number;
  flag: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: Buffer;
  storeTimestamp: number;
  storeHost: Buffer;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  topic: Buffer;
  properties: Buffer;
  /** Precomputed body CRC; computed when absent. */
  bodyCrc?: number;
}

export function recordSize(bodyLen: number, topicLen: number, propsLen: number, bornHostLen = 8, storeHostLen = 8): number {
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHostLen + 8 + storeHostLen + 4 + 8 + 4 + bodyLen + 1 + topicLen + 2 + propsLen;
}

/**
 * Writes one record at `pos` of `target` (which must have room); returns its size.
 * TypedArray#set rather than Buffer#copy: no view allocated per field on the append path.
 */
export function writeRecord(target: Buffer, pos: number, r: RecordFields): number {
  const size = recordSize(r.body.length, r.topic.length, r.properties.length, r.bornHost.length, r.storeHost.length);
  let p = pos;
  p = target.writeInt32BE(size, p);
  p = target.writeInt32BE(MESSAGE_MAGIC_CODE, p);
  p = target.writeInt32BE(r.bodyCrc ?? bodyCrc(r.body), p);
  p = target.writeInt32BE(r.queueId, p);
  p = target.writeInt32BE(r.flag, p);
  p = writeLong(target, r.queueOffset, p);
  p = writeLong(target, r.physicalOffset, p);
  p = target.writeInt32BE(r.sysFlag, p);
  p = writeLong(target, r.bornTimestamp, p);
  target.set(r.bornHost, p);
  p += r.bornHost.length;
  p = writeLong(target, r.storeTimestamp, p);
  target.set(r.storeHost, p);
  p += r.storeHost.length;
  p = target.writeInt32BE(r.reconsumeTimes, p);
  p = writeLong(target, r.preparedTransactionOffset, p);
  p = target.writeInt32BE(r.body.length, p);
  target.set(r.body, p);
  p += r.body.length;
  p = target.writeUInt8(r.topic.length, p);
  target.set(r.topic, p);
  p += r.topic.length;
  p = target.writeInt16BE(r.properties.length, p);
  target.set(r.properties, p);
  return size;
}

export function encodeRecord(r: RecordFields): Buffer {
  const buf = Buffer.allocUnsafe(recordSize(r.body.length, r.topic.length, r.properties.length, r.bornHost.length, r.storeHost.length));
  writeRecord(buf, 0, r);
  return buf;
}

/** int64 fields as JS numbers: exact to 2^53, far beyond any offset or timestamp. */
/**
 * Writes value as a big-endian int64 at pos; returns pos + 8. Exact for integers within
 * +-2^53; a fraction is cut towards minus infinity, a value that is not finite writes 0 (as the
 * Buffer#writeInt32BE pair this replaces did). Plain byte stores with one bounds check: the
 * store's index and consume-queue entries write two per message, and Buffer's own checks cost
 * more than the stores.
 */
export function writeLong(buf: Buffer, value: number, pos: number): number {
  if (!(pos >= 0 && pos + 8 <= buf.length)) throw new RangeError(`writeLong: position ${pos} of ${buf.length} bytes is out of range`);
  const hi = Math.floor(value / 0x100000000);
  const lo = value - hi * 0x100000000;
  buf[pos] = hi >>> 24;
  buf[pos + 1] = hi >>> 16;
  buf[pos + 2] = hi >>> 8;
  buf[pos + 3] = hi;
  buf[pos + 4] = lo >>> 24;
  buf[pos + 5] = lo >>> 16;
  buf[pos + 6] = lo >>> 8;
  buf[pos + 7] = lo;
  return pos + 8;
}

export function readLong(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x100000000 + buf.readUInt32BE(pos + 4);
}

export class RecordDecodeError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

export interface DecodeOptions {
  /**
   * Check BODYCRC against the stored body (default false: clients do not check; the store's
   * recovery does). Some old brokers wrote the CRC of the uncompressed body.
   */
  checkCrc?: boolean;
  /**
   * Require the fields to end exactly at TOTALSIZE (default true). Clients walk the fields
   * instead, so a record whose TOTALSIZE is off still decodes with `strict: false`.
   */
  strict?: boolean;
}

/**
 * Where a record's fields are, with its fixed-size fields read: what a reader needs to take
 * the variable parts (hosts, topic, properties) only when they are asked for.
 */
export interface RecordLayout
  extends Pick<
    StoredMessage,
    'bodyCrc' | 'queueId' | 'flag' | 'queueOffset' | 'physicalOffset' | 'sysFlag' | 'bornTimestamp' | 'storeTimestamp' | 'reconsumeTimes' | 'preparedTransactionOffset'
  > {
  size: number;
  /** BORNHOST: 8 bytes (ip, port), 20 with BORNHOST_V6. */
  bornHostAt: number;
  /** STOREHOST: 8 bytes, 20 with STOREHOST_V6. */
  storeHostAt: number;
  storeHostLength: number;
  bodyAt: number;
  bodyLength: number;
  topicAt: number;
  topicLength: number;
  propertiesAt: number;
  propertiesLength: number;
}

/**
 * Walks the record at `pos`; throws RecordDecodeError if it is not a whole, valid record.
 * With `into`, fills and returns that object (a reader walking many records allocates none).
 */
export function scanRecord(buf: Buffer, pos = 0, options: DecodeOptions = {}, into?: RecordLayout): RecordLayout {
  const fail = (why: string): never => {
    throw new RecordDecodeError(`bad record at ${pos}: ${why}`, pos);
  };
  if (buf.length - pos < 4) fail('truncated size');
  const size = buf.readInt32BE(pos);
  if (size < recordSize(0, 0, 0)) fail(`size ${size} too small`);
  if (buf.length - pos < size) fail(`truncated: size ${size}, ${buf.length - pos} bytes left`);
  const strict = options.strict !== false;
  const end = strict ? pos + size : buf.length;
  if (buf.readInt32BE(pos + 4) !== MESSAGE_MAGIC_CODE) fail('bad magic code');
  const sysFlag = buf.readInt32BE(pos + 36);
  const bornHostAt = pos + 48;
  const storeTimestampAt = bornHostAt + ((sysFlag & SysFlag.BORNHOST_V6) !== 0 ? 20 : 8);
  const storeHostAt = storeTimestampAt + 8;
  const storeHostLength = (sysFlag & SysFlag.STOREHOST_V6) !== 0 ? 20 : 8;
  let p = storeHostAt + storeHostLength;
  const reconsumeTimes = buf.readInt32BE(p);
  const preparedTransactionOffset = readLong(buf, p + 4);
  p += 12;
  if (p + 4 > end) fail('truncated body length');
  const bodyLength = buf.readInt32BE(p);
  const bodyAt = p + 4;
  if (bodyLength < 0 || bodyAt + bodyLength + 3 > end) fail(`body length ${bodyLength} overruns the record`);
  const topicLength = buf.readUInt8(bodyAt + bodyLength);
  const topicAt = bodyAt + bodyLength + 1;
  if (topicAt + topicLength + 2 > end) fail('topic overruns the record');
  const propertiesLength = buf.readInt16BE(topicAt + topicLength);
  const propertiesAt = topicAt + topicLength + 2;
  if (propertiesLength < 0 || (strict ? propertiesAt + propertiesLength !== end : propertiesAt + propertiesLength > end)) {
    fail(`properties length ${propertiesLength} does not end the record`);
  }
  // Filled field by field, so that a reused `into` keeps one shape and nothing is allocated.
  const l = into ?? ({} as RecordLayout);
  l.size = size;
  l.bodyCrc = buf.readInt32BE(pos + 8);
  l.queueId = buf.readInt32BE(pos + 12);
  l.flag = buf.readInt32BE(pos + 16);
  l.queueOffset = readLong(buf, pos + 20);
  l.physicalOffset = readLong(buf, pos + 28);
  l.sysFlag = sysFlag;
  l.bornTimestamp = readLong(buf, pos + 40);
  l.bornHostAt = bornHostAt;
  l.storeTimestamp = readLong(buf, storeTimestampAt);
  l.storeHostAt = storeHostAt;
  l.storeHostLength = storeHostLength;
  l.reconsumeTimes = reconsumeTimes;
  l.preparedTransactionOffset = preparedTransactionOffset;
  l.bodyAt = bodyAt;
  l.bodyLength = bodyLength;
  l.topicAt = topicAt;
  l.topicLength = topicLength;
  l.propertiesAt = propertiesAt;
  l.propertiesLength = propertiesLength;
  if (options.checkCrc === true && (bodyCrc(buf.subarray(bodyAt, bodyAt + bodyLength)) | 0) !== l.bodyCrc) fail('body CRC mismatch');
  return l;
}

/** Decodes the record at `pos`; throws RecordDecodeError if it is not a whole, valid record. */
export function decodeRecord(buf: Buffer, pos = 0, options: DecodeOptions = {}): StoredMessage {
  const l = scanRecord(buf, pos, options);
  const storeHostBytes = buf.subarray(l.storeHostAt, l.storeHostAt + l.storeHostLength);
  return {
    storeSize: l.size,
    bodyCrc: l.bodyCrc,
    queueId: l.queueId,
    flag: l.flag,
    queueOffset: l.queueOffset,
    physicalOffset: l.physicalOffset,
    sysFlag: l.sysFlag,
    bornTimestamp: l.bornTimestamp,
    bornHost: decodeHost(buf, l.bornHostAt, (l.sysFlag & SysFlag.BORNHOST_V6) !== 0),
    storeTimestamp: l.storeTimestamp,
    storeHost: decodeHost(buf, l.storeHostAt, l.storeHostLength === 20),
    reconsumeTimes: l.reconsumeTimes,
    preparedTransactionOffset: l.preparedTransactionOffset,
    body: buf.subarray(l.bodyAt, l.bodyAt + l.bodyLength),
    topic: buf.toString('utf8', l.topicAt, l.topicAt + l.topicLength),
    properties: decodeProperties(buf.toString('utf8', l.propertiesAt, l.propertiesAt + l.propertiesLength)),
    msgId: createOffsetMsgId(storeHostBytes, l.physicalOffset),
  };
}

/** Decodes concatenated records until the buffer ends or a record fails to decode. */
export function decodeRecords(buf: Buffer, options: DecodeOptions = {}): StoredMessage[] {
  const out: StoredMessage[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    let m: StoredMessage;
    try {
      m = decodeRecord(buf, pos, options);
    } catch {
      break;
    }
    out.push(m);
    pos += m.storeSize;
  }
  return out;
}

/** The body as the application sent it: inflated when the record says it is compressed. */
export function uncompressedBody(m: Pick<StoredMessage, 'sysFlag' | 'body'>): Buffer {
  if ((m.sysFlag & SysFlag.COMPRESSED) === 0) return m.body;
  const type = m.sysFlag & SysFlag.COMPRESSION_TYPE_MASK;
  if (type !== 0 && type !== SysFlag.COMPRESSION_ZLIB) {
    throw new Error(`unsupported compression type 0x${type.toString(16)}`);
  }
  return inflateSync(m.body);
}
