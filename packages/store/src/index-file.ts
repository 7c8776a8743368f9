// One hash-index file, RocketMQ's IndexFile layout:
//   header 40 bytes: beginTimestamp i64 | endTimestamp i64 | beginPhyOffset i64
//                    | endPhyOffset i64 | hashSlotCount i32 | indexCount i32
//   slots: slotNum * i32, the newest entry number of keys hashing there (0 = none)
//   entries: indexNum * 20 bytes: keyHash i32 | phyOffset i64 | timeDiff i32 (s) | prevIndex i32
// Entry numbers start at 1. The active file keeps its slots in memory and its unwritten
// entries in a buffer; a flush writes entries and dirty slot pages, fdatasyncs, then writes
// the header (whose indexCount and endPhyOffset are therefore always backed by data).
// Here endPhyOffset is the offset below which every record has its entries in this file or
// an earlier one (the active file: what the index had seen at the flush; a sealed file: the
// next file's beginPhyOffset), so recovery knows where to resume.
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { javaStringHashCode, readLong, syncDir, writeLong } from '@contrail/common';
import { closeFd, fdatasyncFd, ftruncateFd, openFd, readAt, writeAt } from './fs-io.js';
import { segmentName } from './segment-file.js';

export const INDEX_HEADER_SIZE = 40;
const ENTRY = 20;
const SLOT_PAGE = 1024;
/** Most slot pages (4 KiB each) in one write: dirty runs are written in pieces of this size. */
const MAX_RUN_PAGES = 256;
/** Clean pages between two dirty ones that are written along rather than split the write. */
const MAX_GAP_PAGES = 16;
const LITTLE_ENDIAN = endianness() === 'LE';

/** The slots' bytes as stored (big-endian), a copy of slots[first, first + n) into `out`. */
function slotsToFile(slots: Int32Array, first: number, n: number, out: Buffer): Buffer {
  const bytes = out.subarray(0, n * 4);
  Buffer.from(slots.buffer, slots.byteOffset + first * 4, n * 4).copy(bytes);
  if (LITTLE_ENDIAN) bytes.swap32();
  return bytes;
}

/** Slots as read from the file (big-endian) into a new Int32Array of `slotNum`. */
function slotsFromFile(raw: Buffer, slotNum: number): Int32Array {
  const slots = new Int32Array(slotNum);
  const bytes = Buffer.from(slots.buffer, slots.byteOffset, Math.min(slotNum * 4, raw.length - (raw.length % 4)));
  raw.copy(bytes, 0, 0, bytes.length);
  if (LITTLE_ENDIAN) bytes.swap32();
  return slots;
}

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

export function indexKeyHash(key: string): number {
  return indexKeyHashFrom(0, key, 0, key.length);
}

/**
 * The hash of a key that continues a string whose Java hashCode (unmasked) is `h`, over
 * text[from, to): hashing "topic#key" from the hash of "topic#" without building the string.
 */
export function indexKeyHashFrom(start: number, text: string, from: number, to: number): number {
  const h = javaStringHashCode(text, start, from, to);
  // Math.abs(Integer.MIN_VALUE) stays negative in Java; RocketMQ maps it to 0.
  return h === -2147483648 ? 0 : Math.abs(h);
}

export class IndexFile {
  readonly path: string;
  header: IndexHeader;
  private slots: Int32Array | undefined;
  /** One flag per slot page (SLOT_PAGE slots) changed since the last flush. */
  private dirtyPages: Uint8Array;
  private dirtyCount = 0;
  /** Staging for slot writes (the slots change while a write is in flight). */
  private stage: Buffer | undefined;
  private pending: Buffer = Buffer.alloc(0);
  /** Entry number of pending[0]. */
  private pendingFrom = 1;
  private fd = -1;
  private flushing: Promise<void> | undefined;
  private sealed = false;
  /** A sealed file's endPhyOffset: where the next file begins (see seal). */
  private sealedThrough = 0;

  constructor(
    dir: string,
    readonly slotNum: number,
    readonly indexNum: number,
    header: IndexHeader,
  ) {
    this.path = join(dir, segmentName(header.beginPhyOffset));
    this.header = header;
    this.dirtyPages = new Uint8Array(Math.ceil(slotNum / SLOT_PAGE));
  }

  private markDirty(page: number): void {
    if (this.dirtyPages[page] === 0) {
      this.dirtyPages[page] = 1;
      this.dirtyCount++;
    }
  }

  static fresh(dir: string, slotNum: number, indexNum: number, beginPhyOffset: number): IndexFile {
    const f = new IndexFile(dir, slotNum, indexNum, {
      beginTimestamp: 0,
      endTimestamp: 0,
      beginPhyOffset,
      endPhyOffset: beginPhyOffset,
      hashSlotCount: 0,
      indexCount: 1,
    });
    f.slots = new Int32Array(slotNum);
    return f;
  }

  /** Opens an existing file (header only, unless it becomes the active one). */
  static async open(dir: string, name: string, slotNum: number, indexNum: number): Promise<IndexFile | null> {
    const fd = await openFd(join(dir, name), 'r+');
    const h = await readAt(fd, INDEX_HEADER_SIZE, 0);
    if (h.length < INDEX_HEADER_SIZE || h.readInt32BE(36) < 1) {
      await closeFd(fd);
      return null;
    }
    const f = new IndexFile(dir, slotNum, indexNum, {
      beginTimestamp: readLong(h, 0),
      endTimestamp: readLong(h, 8),
      beginPhyOffset: readLong(h, 16),
      endPhyOffset: readLong(h, 24),
      hashSlotCount: h.readInt32BE(32),
      indexCount: h.readInt32BE(36),
    });
    f.fd = fd;
    f.sealed = true;
    f.pendingFrom = f.header.indexCount;
    return f;
  }

  get isFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  /** Sealed this session but not yet written out in full. */
  get hasUnflushed(): boolean {
    return this.sealed && this.slots !== undefined;
  }

  get isActive(): boolean {
    return !this.sealed;
  }

  /**
   * Makes this the file appends go to: loads its slots, drops entries of records at or past
   * limitPhy, and rebuilds the slots when they point past the entries (a torn flush).
   */
  async activate(limitPhy: number): Promise<void> {
    const raw = await readAt(this.fd, this.slotNum * 4, INDEX_HEADER_SIZE);
    const slots = slotsFromFile(raw, this.slotNum);
    let count = this.header.indexCount;
    let rebuild = false;
    for (let i = 0; i < slots.length; i++) if ((slots[i] as number) >= count) rebuild = true;
    if (this.header.endPhyOffset > limitPhy) {
      // Entries are in commit-log order: find the first one past the limit.
      let lo = 1;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = await this.readEntry(mid);
        if (readLong(e, 4) < limitPhy) lo = mid + 1;
        else hi = mid;
      }
      if (lo < count) rebuild = true;
      count = lo;
      this.header.indexCount = count;
      this.header.endPhyOffset = limitPhy;
    }
    if (rebuild) {
      slots.fill(0);
      let used = 0;
      const step = 4096;
      for (let i = 1; i < count; i += step) {
        const n = Math.min(step, count - i);
        const buf = await readAt(this.fd, n * ENTRY, this.entryPos(i));
        for (let k = 0; k < n; k++) {
          const slot = buf.readInt32BE(k * ENTRY) % this.slotNum;
          if (slots[slot] === 0) used++;
          slots[slot] = i + k;
        }
      }
      this.header.hashSlotCount = used;
      for (let p = 0; p * SLOT_PAGE < this.slotNum; p++) this.markDirty(p);
      await ftruncateFd(this.fd, this.entryPos(count));
    }
    this.slots = slots;
    this.sealed = false;
    this.pendingFrom = count;
  }

  put(keyHash: number, phy: number, storeTimestamp: number): void {
    const slots = this.slots;
    if (slots === undefined || this.sealed) throw new Error(`${this.path} is sealed`);
    const h = this.header;
    if (h.beginTimestamp === 0) h.beginTimestamp = storeTimestamp;
    const slot = keyHash % this.slotNum;
    const prev = slots[slot] as number;
    if (prev === 0) h.hashSlotCount++;
    const idx = h.indexCount;
    let pos = (idx - this.pendingFrom) * ENTRY;
    if (pos + ENTRY > this.pending.length) {
      const next = Buffer.allocUnsafe(Math.max(64 * ENTRY, this.pending.length * 2));
      this.pending.copy(next, 0, 0, pos);
      this.pending = next;
      pos = (idx - this.pendingFrom) * ENTRY;
    }
    const b = this.pending;
    b.writeInt32BE(keyHash, pos);
    writeLong(b, phy, pos + 4);
    b.writeInt32BE(Math.max(0, Math.floor((storeTimestamp - h.beginTimestamp) / 1000)), pos + 12);
    b.writeInt32BE(prev, pos + 16);
    slots[slot] = idx;
    this.markDirty(Math.floor(slot / SLOT_PAGE));
    h.indexCount = idx + 1;
    if (storeTimestamp > h.endTimestamp) h.endTimestamp = storeTimestamp;
  }

  /** Commit-log offsets of entries with this key hash and a time in [begin, end], newest first. */
  async lookup(keyHash: number, begin: number, end: number, max: number): Promise<number[]> {
    const out: number[] = [];
    const h = this.header;
    if (h.indexCount <= 1 || h.endTimestamp < begin || h.beginTimestamp > end) return out;
    const slot = keyHash % this.slotNum;
    let idx = this.slots !== undefined ? (this.slots[slot] as number) : (await readAt(this.fd, 4, INDEX_HEADER_SIZE + slot * 4)).readInt32BE(0);
    // Time resolution is one second: widen by it, the caller checks the record's real time.
    while (idx > 0 && idx < h.indexCount && out.length < max) {
      const e = await this.readEntry(idx);
      const t = h.beginTimestamp + e.readInt32BE(12) * 1000;
      if (t + 1000 < begin) break;
      if (e.readInt32BE(0) === keyHash && t <= end) out.push(readLong(e, 4));
      const prev = e.readInt32BE(16);
      if (prev >= idx) break;
      idx = prev;
    }
    return out;
  }

  /** Writes what is new; the header goes last, after the data it counts is durable. */
  flush(endPhyOffset: number): Promise<void> {
    this.flushing ??= this.doFlush(endPhyOffset).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * Stops taking entries; the final flush happens through flush(). `through`: the offset
   * below which every record's entries are here or in an earlier file (the next file's
   * beginPhyOffset), written as endPhyOffset so recovery can tell a complete file.
   */
  seal(through: number): void {
    this.sealed = true;
    this.sealedThrough = Math.max(through, this.header.beginPhyOffset);
  }

  /** After the final flush of a sealed file, lookups read its slots from the file. */
  releaseSlots(): void {
    // Only once everything is out: a flush already under way when the file was sealed
    // leaves entries (and the final endPhyOffset) for the next one.
    if (this.sealed && this.dirtyCount === 0 && this.pendingFrom === this.header.indexCount && this.header.endPhyOffset === this.sealedThrough) {
      this.slots = undefined;
      this.stage = undefined;
    }
  }

  async close(): Promise<void> {
    await this.flushing?.catch(() => undefined);
    if (this.fd >= 0) await closeFd(this.fd).catch(() => undefined);
    this.fd = -1;
  }

  private async doFlush(through: number): Promise<void> {
    // Captured before any await, together with the caller's `through`: the header written
    // at the end must not claim entries for records past what it counts.
    const count = this.header.indexCount;
    const endPhyOffset = this.sealed ? this.sealedThrough : through;
    if (this.fd < 0) {
      this.fd = await openFd(this.path, 'w+');
      // Its name durable before a checkpoint counts on its entries (a lost file is rebuilt
      // from the log only when no index file is left at all).
      await syncDir(dirname(this.path));
    }
    const pendingCount = count - this.pendingFrom;
    if (pendingCount > 0) {
      await writeAt(this.fd, this.pending, 0, pendingCount * ENTRY, this.entryPos(this.pendingFrom));
    }
    const slots = this.slots;
    if (slots !== undefined && this.dirtyCount > 0) {
      // Dirty pages go out as runs of neighbouring pages, a few writes per flush rather than
      // one per page (keys hash all over the table: a busy second dirties most pages).
      const dirty = this.dirtyPages;
      this.dirtyPages = new Uint8Array(dirty.length);
      this.dirtyCount = 0;
      const stage = (this.stage ??= Buffer.allocUnsafe(MAX_RUN_PAGES * SLOT_PAGE * 4));
      const pages = dirty.length;
      let p = 0;
      while (p < pages) {
        if (dirty[p] === 0) {
          p++;
          continue;
        }
        let end = p + 1;
        for (let q = end; q < pages && q < p + MAX_RUN_PAGES; q++) {
          if (dirty[q] === 1) end = q + 1;
          else if (q - end >= MAX_GAP_PAGES) break;
        }
        const first = p * SLOT_PAGE;
        const n = Math.min(end * SLOT_PAGE, this.slotNum) - first;
        const bytes = slotsToFile(slots, first, n, stage);
        await writeAt(this.fd, bytes, 0, bytes.length, INDEX_HEADER_SIZE + first * 4);
        p = end;
      }
    }
    // Entries added while writing stay pending for the next flush.
    const added = this.header.indexCount - count;
    if (pendingCount > 0) {
      const rest = Buffer.allocUnsafe(Math.max(64 * ENTRY, added * 2 * ENTRY));
      this.pending.copy(rest, 0, pendingCount * ENTRY, (pendingCount + added) * ENTRY);
      this.pending = rest;
      this.pendingFrom = count;
    }
    await fdatasyncFd(this.fd);
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    writeLong(h, this.header.beginTimestamp, 0);
    writeLong(h, this.header.endTimestamp, 8);
    writeLong(h, this.header.beginPhyOffset, 16);
    writeLong(h, Math.max(this.header.beginPhyOffset, endPhyOffset), 24);
    this.header.endPhyOffset = endPhyOffset;
    h.writeInt32BE(this.header.hashSlotCount, 32);
    h.writeInt32BE(count, 36);
    await writeAt(this.fd, h, 0, INDEX_HEADER_SIZE, 0);
    await fdatasyncFd(this.fd);
  }

  private entryPos(idx: number): number {
    return INDEX_HEADER_SIZE + this.slotNum * 4 + idx * ENTRY;
  }

  private async readEntry(idx: number): Promise<Buffer> {
    if (idx >= this.pendingFrom) {
      const pos = (idx - this.pendingFrom) * ENTRY;
      return this.pending.subarray(pos, pos + ENTRY);
    }
    return readAt(this.fd, ENTRY, this.entryPos(idx));
  }
}
