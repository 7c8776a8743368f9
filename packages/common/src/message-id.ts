// Message IDs. The offset msgId names where a record lies (store host + commit-log offset);
// UNIQ_KEY is the client-generated ID that stays with a message through retries and delays.
import { networkInterfaces } from 'node:os';

/** 8 bytes (IPv4 + port) or 20 bytes (IPv6 + port) for "ip:port" / "[v6]:port". */
export function encodeHost(hostPort: string): Buffer {
  const { ip, port } = splitHostPort(hostPort);
  if (ip.includes(':')) {
    const out = Buffer.alloc(20);
    ipv6Bytes(ip).copy(out, 0);
    out.writeInt32BE(port, 16);
    return out;
  }
  const out = Buffer.alloc(8);
  const parts = ip.split('.');
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i] ?? 0) & 0xff;
  out.writeInt32BE(port, 4);
  return out;
}

export function decodeHost(buf: Buffer, pos: number, v6: boolean): string {
  if (v6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(pos + i).toString(16));
    return `[${groups.join(':')}]:${buf.readInt32BE(pos + 16)}`;
  }
  return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${buf.readInt32BE(pos + 4)}`;
}

export function splitHostPort(hostPort: string): { ip: string; port: number } {
  const idx = hostPort.lastIndexOf(':');
  if (idx < 0) return { ip: hostPort, port: 0 };
  let ip = hostPort.slice(0, idx);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  return { ip, port: Number(hostPort.slice(idx + 1)) };
}

function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  for (let i = 0; i < 8; i++) out.writeUInt16BE(parseInt(groups[i] ?? '0', 16) & 0xffff, i * 2);
  return out;
}

/** Uppercase hex of store host (ip + port) and the commit-log physical offset. */
export function createOffsetMsgId(storeHost: Buffer, physicalOffset: number): string {
  const buf = Buffer.allocUnsafe(storeHost.length + 8);
  storeHost.copy(buf, 0);
  buf.writeBigInt64BE(BigInt(physicalOffset), storeHost.length);
  return buf.toString('hex').toUpperCase();
}

export interface OffsetMsgId {
  /** "ip:port" of the broker that stored the record. */
  address: string;
  physicalOffset: number;
}

export function decodeOffsetMsgId(msgId: string): OffsetMsgId {
  if (!/^[0-9A-Fa-f]+$/.test(msgId) || (msgId.length !== 32 && msgId.length !== 56)) {
    throw new TypeError(`not an offset message id: ${msgId}`);
  }
  const buf = Buffer.from(msgId, 'hex');
  const v6 = buf.length === 28;
  const hostLen = v6 ? 20 : 8;
  return { address: decodeHost(buf, 0, v6), physicalOffset: Number(buf.readBigInt64BE(hostLen)) };
}

function localIPv4(): Buffer {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return Buffer.from(a.address.split('.').map(Number));
    }
  }
  return Buffer.from([127, 0, 0, 1]);
}

function monthStart(now: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

/** Upper-case hex of every byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/** The low byte of b as two upper-case hex digits, from a table (message IDs are built per message). */
export function hexByte(b: number): string {
  return HEX_BYTE[b & 0xff] as string;
}

/**
 * UNIQ_KEY generator: hex of ip (4) | pid (2) | instance hash (4) | ms since the start of the
 * month (4) | counter (2), 32 characters, as RocketMQ's MessageClientIDSetter lays it out.
 */
export class UniqIdGenerator {
  private readonly prefix: string;
  private counter = 0;
  private start = 0;
  private nextMonth = 0;

  constructor(ip: Buffer = localIPv4(), instanceHash = (Math.random() * 0x7fffffff) | 0) {
    const head = Buffer.alloc(10);
    ip.copy(head, 0, 0, 4);
    head.writeUInt16BE(process.pid & 0xffff, 4);
    head.writeInt32BE(instanceHash, 6);
    this.prefix = head.toString('hex').toUpperCase();
  }

  next(now = Date.now()): string {
    if (now >= this.nextMonth) {
      this.start = monthStart(now);
      const d = new Date(this.start);
      this.nextMonth = new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
    }
    // The 6 tail bytes (ms since the month started as a big-endian int32, then the counter)
    // as hex, without a buffer: this runs for every message sent.
    const ms = (now - this.start) | 0;
    const c = this.counter;
    this.counter = (c + 1) & 0xffff;
    return this.prefix + hexByte(ms >>> 24) + hexByte(ms >>> 16) + hexByte(ms >>> 8) + hexByte(ms) + hexByte(c >>> 8) + hexByte(c);
  }
}

let shared: UniqIdGenerator | undefined;
export function createUniqId(): string {
  shared ??= new UniqIdGenerator();
  return shared.next();
}

/**
 * When a UNIQ_KEY was made, to within the month the reader is in (as RocketMQ reads it:
 * the month start is the reader's current month, or the previous one if the time lies ahead).
 */
export function uniqIdTimestamp(id: string, now = Date.now()): number {
  if (id.length !== 32 || !/^[0-9A-Fa-f]+$/.test(id)) throw new TypeError(`not a UNIQ_KEY: ${id}`);
  const ms = Buffer.from(id.slice(20, 28), 'hex').readInt32BE(0);
  let t = monthStart(now) + ms;
  if (t > now + 60_000) {
    const d = new Date(monthStart(now));
    t = new Date(d.getFullYear(), d.getMonth() - 1, 1).getTime() + ms;
  }
  return t;
}
