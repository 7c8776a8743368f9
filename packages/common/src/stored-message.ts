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
export function writeLong(buf: Buffer, value: number, pos: number): number {
  const hi = Math.floor(value / 0x100000000);
  buf.writeInt32BE(hi | 0, pos);
  buf.writeUInt32BE(value - hi * 0x100000000, pos + 4);
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

/** Decodes the record at `pos`; throws RecordDecodeError if it is not a whole, valid record. */
export function decodeRecord(buf: Buffer, pos = 0, options: DecodeOptions = {}): StoredMessage {
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
  const crc = buf.readInt32BE(pos + 8);
  const queueId = buf.readInt32BE(pos + 12);
  const flag = buf.readInt32BE(pos + 16);
  const queueOffset = readLong(buf, pos + 20);
  const physicalOffset = readLong(buf, pos + 28);
  const sysFlag = buf.readInt32BE(pos + 36);
  const bornTimestamp = readLong(buf, pos + 40);
  let p = pos + 48;
  const bornV6 = (sysFlag & SysFlag.BORNHOST_V6) !== 0;
  const storeV6 = (sysFlag & SysFlag.STOREHOST_V6) !== 0;
  const bornHost = decodeHost(buf, p, bornV6);
  p += bornV6 ? 20 : 8;
  const storeTimestamp = readLong(buf, p);
  p += 8;
  const storeHostStart = p;
  const storeHost = decodeHost(buf, p, storeV6);
  p += storeV6 ? 20 : 8;
  const storeHostBytes = buf.subarray(storeHostStart, p);
  const reconsumeTimes = buf.readInt32BE(p);
  p += 4;
  const preparedTransactionOffset = readLong(buf, p);
  p += 8;
  if (p + 4 > end) fail('truncated body length');
  const bodyLen = buf.readInt32BE(p);
  p += 4;
  if (bodyLen < 0 || p + bodyLen + 3 > end) fail(`body length ${bodyLen} overruns the record`);
  const body = buf.subarray(p, p + bodyLen);
  p += bodyLen;
  if (options.checkCrc === true && (bodyCrc(body) | 0) !== crc) fail('body CRC mismatch');
  const topicLen = buf.readUInt8(p);
  p += 1;
  if (p + topicLen + 2 > end) fail('topic overruns the record');
  const topic = buf.toString('utf8', p, p + topicLen);
  p += topicLen;
  const propsLen = buf.readInt16BE(p);
  p += 2;
  if (propsLen < 0 || (strict ? p + propsLen !== end : p + propsLen > end)) fail(`properties length ${propsLen} does not end the record`);
  const properties = decodeProperties(buf.toString('utf8', p, p + propsLen));
  return {
    storeSize: size,
    bodyCrc: crc,
    queueId,
    flag,
    queueOffset,
    physicalOffset,
    sysFlag,
    bornTimestamp,
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties,
    msgId: createOffsetMsgId(storeHostBytes, physicalOffset),
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
