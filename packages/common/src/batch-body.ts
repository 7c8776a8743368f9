// The SEND_BATCH_MESSAGE body: items of
//   TOTALSIZE i32 | MAGIC i32 (0) | BODYCRC i32 (0) | FLAG i32 | BODYLEN i32 + body | PROPLEN i16 + props
// Topic and sysFlag come from the request header.
import { decodeProperties, encodeProperties, type Properties } from './properties.js';

export interface BatchItem {
  flag: number;
  body: Buffer;
  properties: Properties;
}

/** One item's raw pieces, as the broker needs them (properties still a string). */
export interface RawBatchItem {
  flag: number;
  body: Buffer;
  properties: string;
}

export function encodeBatchBody(items: readonly BatchItem[]): Buffer {
  return encodeBatchBodyRaw(items.map((i) => ({ flag: i.flag, body: i.body, properties: encodeProperties(i.properties) })));
}

/** Like encodeBatchBody, for items whose property strings are already encoded. */
export function encodeBatchBodyRaw(items: readonly RawBatchItem[]): Buffer {
  let total = 0;
  for (const item of items) total += 22 + item.body.length + Buffer.byteLength(item.properties, 'utf8');
  const buf = Buffer.allocUnsafe(total);
  writeItems(items, buf);
  return buf;
}

interface RawWriteBuffer extends Buffer {
  utf8Write(s: string, offset: number, length: number): number;
}

/**
 * Writes the batch body of `items` at the start of `target`, the property strings straight in
 * (no buffer per item); returns its length. Throws a RangeError, having written nothing, when
 * the items might not fit: each needs room for 22 bytes, its body and 3 bytes a property
 * character.
 */
export function encodeBatchBodyInto(items: readonly RawBatchItem[], target: Buffer): number {
  const bound = batchBodyBound(items);
  if (bound > target.length) throw new RangeError(`a batch of up to ${bound} bytes may not fit a ${target.length}-byte buffer`);
  return writeItems(items, target);
}

/** The most bytes the batch body of `items` can take (3 bytes a property character). */
export function batchBodyBound(items: readonly RawBatchItem[]): number {
  let bound = 0;
  for (const item of items) bound += 22 + item.body.length + item.properties.length * 3;
  return bound;
}

/** Writes the items from target's start (the caller made sure they fit); returns the length. */
function writeItems(items: readonly RawBatchItem[], target: Buffer): number {
  const t = target as RawWriteBuffer;
  let p = 0;
  for (const item of items) {
    const body = item.body;
    const props = item.properties;
    const at = p;
    t.writeInt32BE(0, p + 4);
    t.writeInt32BE(0, p + 8);
    t.writeInt32BE(item.flag, p + 12);
    t.writeInt32BE(body.length, p + 16);
    t.set(body, p + 20);
    p += 20 + body.length;
    const n = props.length === 0 ? 0 : t.utf8Write(props, p + 2, target.length - p - 2);
    t.writeInt16BE(n, p);
    p += 2 + n;
    t.writeInt32BE(p - at, at);
  }
  return p;
}

/** Decodes a batch body; throws a TypeError naming the bad item when it is malformed. */
export function decodeBatchBodyRaw(buf: Buffer): RawBatchItem[] {
  return decodeBatchItems(buf, (flag, body, properties) => ({ flag, body, properties }));
}

function int32(buf: Buffer, p: number): number {
  return ((buf[p] as number) << 24) | ((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number);
}

/** Where an item's property bytes and a suffix are put together before one decode. */
let joinScratch: Buffer = Buffer.alloc(0);
const SEPARATOR = 2;

/**
 * Decodes a batch body straight into what the caller makes of each item (no intermediate item
 * objects); throws a TypeError naming the bad item when it is malformed, before `make` has
 * seen any item after it. With a non-empty `suffix` (encoded properties), each item's
 * properties come joined with it, as one string: the item's text, a separator unless the text
 * is empty or ends with one, then the suffix (the suffix's entries win, being later).
 */
export function decodeBatchItems<T>(
  buf: Buffer,
  make: (flag: number, body: Buffer, properties: string, index: number) => T,
  suffix?: Buffer,
): T[] {
  const out: T[] = [];
  let p = 0;
  const end = buf.length;
  const join = suffix !== undefined && suffix.length > 0 ? suffix : undefined;
  while (p < end) {
    const i = out.length;
    if (end - p < 22) throw new TypeError(`batch item ${i} truncated`);
    const size = int32(buf, p);
    if (size < 22 || size > end - p) throw new TypeError(`batch item ${i} has bad size ${size}`);
    const flag = int32(buf, p + 12);
    const bodyLen = int32(buf, p + 16);
    if (bodyLen < 0 || 20 + bodyLen + 2 > size) throw new TypeError(`batch item ${i} has bad body length`);
    const propLen = (((buf[p + 20 + bodyLen] as number) << 24) >> 16) | (buf[p + 21 + bodyLen] as number);
    if (propLen < 0 || 22 + bodyLen + propLen !== size) throw new TypeError(`batch item ${i} has bad properties length`);
    const body = buf.subarray(p + 20, p + 20 + bodyLen);
    const propsAt = p + 22 + bodyLen;
    const properties = join === undefined ? buf.toString('utf8', propsAt, p + size) : joined(buf, propsAt, p + size, join);
    out.push(make(flag, body, properties, i));
    p += size;
  }
  return out;
}

/** The text of buf[from, to) joined with suffix, decoded once. */
function joined(buf: Buffer, from: number, to: number, suffix: Buffer): string {
  if (from === to) return suffix.toString('utf8');
  const sep = buf[to - 1] === SEPARATOR ? 0 : 1;
  const n = to - from + sep + suffix.length;
  if (joinScratch.length < n) joinScratch = Buffer.allocUnsafe(Math.max(n, 2 * joinScratch.length, 256));
  const s = joinScratch;
  for (let k = from; k < to; k++) s[k - from] = buf[k] as number;
  let q = to - from;
  if (sep === 1) s[q++] = SEPARATOR;
  for (let k = 0; k < suffix.length; k++) s[q + k] = suffix[k] as number;
  return s.toString('utf8', 0, n);
}

export function decodeBatchBody(buf: Buffer): BatchItem[] {
  return decodeBatchBodyRaw(buf).map((i) => ({ flag: i.flag, body: i.body, properties: decodeProperties(i.properties) }));
}
