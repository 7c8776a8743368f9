// One queue's consume queue: fixed 20-byte entries (commit-log offset i64, size i32, tags
// code i64) in segment files. New entries go to an in-memory tail first (pulls of a hot
// queue never touch the file); the flush writes the tail's unwritten part and fdatasyncs.
import { readLong, writeLong } from '@contrail/common';
import { CQ_ENTRY_SIZE } from './store-config.js';
import { SegmentQueue } from './segment-queue.js';
import type { SegmentFile } from './segment-file.js';

export interface CqEntries {
  /** Entries back to back, 20 bytes each. */
  buf: Buffer;
  count: number;
}

export function entryPhy(buf: Buffer, i: number): number {
  return readLong(buf, i * CQ_ENTRY_SIZE);
}
export function entrySize(buf: Buffer, i: number): number {
  return buf.readInt32BE(i * CQ_ENTRY_SIZE + 8);
}
export function entryTags(buf: Buffer, i: number): number {
  return readLong(buf, i * CQ_ENTRY_SIZE + 12);
}

const INITIAL_TAIL_ENTRIES = 64;

export class ConsumeQueue {
  readonly segments: SegmentQueue;
  minOffset = 0;
  maxOffset = 0;
  /** Entries below are on file. */
  writtenOffset = 0;
  /** End (offset + size) of the newest entry's record: recovery skips records below it. */
  maxPhyEnd = 0;
  private tail: Buffer = Buffer.alloc(0);
  private tailStart = 0;
  private flushing: Promise<void> | undefined;
  private readonly perFile: number;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    dir: string,
    fileSize: number,
    private readonly tailCap: number,
  ) {
    this.segments = new SegmentQueue(dir, fileSize);
    this.perFile = fileSize / CQ_ENTRY_SIZE;
  }

  get dirty(): boolean {
    return this.writtenOffset < this.maxOffset;
  }

  /** Loads the files; with limitPhy, keeps only the intact entries of records below it. */
  async load(limitPhy?: number): Promise<void> {
    await this.segments.load();
    const first = this.segments.first;
    if (first === undefined) return this.resetEmpty(0);
    const keep = (buf: Buffer): boolean => {
      const size = buf.readInt32BE(8);
      return size !== 0 && (limitPhy === undefined || readLong(buf, 0) + Math.max(size, 0) <= limitPhy);
    };
    // The valid entries form a prefix (files are zero-filled and written in order).
    let segs = this.segments.segments;
    let count = 0;
    for (let i = segs.length - 1; i >= 0; i--) {
      const seg = segs[i];
      if (seg === undefined) break;
      const n = await this.countPrefix(seg.start, keep);
      if (n > 0 || i === 0) {
        count = seg.start / CQ_ENTRY_SIZE + n;
        if (limitPhy !== undefined && n < this.perFile) {
          await seg.truncateFrom(n * CQ_ENTRY_SIZE);
        }
        await this.segments.dropFrom(seg.end);
        break;
      }
    }
    segs = this.segments.segments;
    this.maxOffset = count;
    this.writtenOffset = count;
    this.tailStart = count;
    this.minOffset = Math.min(first.start / CQ_ENTRY_SIZE, count);
    this.maxPhyEnd = 0;
    if (count > this.minOffset) {
      const last = await this.readEntries(count - 1, 1);
      if (last !== null) this.maxPhyEnd = entryPhy(last.buf, 0) + entrySize(last.buf, 0);
    }
  }

  /**
   * Appends the entry for queueOffset; an offset behind is a duplicate. One ahead (entries
   * lost with no record left to rebuild them from) leaves holes: size -1, skipped by pulls.
   */
  append(queueOffset: number, phy: number, size: number, tagsCode: number): boolean {
    if (queueOffset < this.maxOffset) return false;
    if (queueOffset > this.maxOffset && this.maxOffset === this.minOffset && this.segments.first === undefined) {
      this.resetEmpty(queueOffset);
    }
    while (this.maxOffset < queueOffset) this.put(this.maxPhyEnd, -1, 0);
    this.put(phy, size, tagsCode);
    this.maxPhyEnd = phy + size;
    return true;
  }

  /** Entries from offset, from memory when they are there. */
  entriesHot(offset: number, max: number): CqEntries | undefined {
    if (offset < this.tailStart || offset >= this.maxOffset) return undefined;
    const count = Math.min(max, this.maxOffset - offset);
    const from = (offset - this.tailStart) * CQ_ENTRY_SIZE;
    return { buf: this.tail.subarray(from, from + count * CQ_ENTRY_SIZE), count };
  }

  /** Up to max entries from offset (fewer at a file or tail boundary); null if gone. */
  async entries(offset: number, max: number): Promise<CqEntries | null> {
    const hot = this.entriesHot(offset, max);
    if (hot !== undefined) return hot;
    if (offset < this.minOffset || offset >= this.maxOffset) return null;
    const cold = await this.readEntries(offset, Math.min(max, this.tailStart - offset));
    if (cold === null || offset + cold.count < this.tailStart || cold.count >= max) return cold;
    // The range runs on into the in-memory tail: one answer rather than two short pulls.
    const rest = this.entriesHot(this.tailStart, max - cold.count);
    if (rest === undefined) return cold;
    return { buf: Buffer.concat([cold.buf, rest.buf]), count: cold.count + rest.count };
  }

  /** Writes the unwritten entries and fdatasyncs them. */
  flush(now: number): Promise<void> {
    this.flushing ??= this.doFlush(now).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Drops files whose entries all point below the commit log's min offset; moves minOffset. */
  async deleteExpired(minPhy: number): Promise<void> {
    let drop = 0;
    const segs = this.segments.segments;
    for (let i = 0; i < segs.length - 1; i++) {
      const seg = segs[i];
      if (seg === undefined) break;
      const lastIdx = seg.end / CQ_ENTRY_SIZE - 1;
      const e = await this.readEntries(lastIdx, 1);
      if (e === null || entryPhy(e.buf, 0) >= minPhy) break;
      drop++;
    }
    if (drop > 0) await this.segments.dropFirst(drop);
    await this.correctMinOffset(minPhy);
  }

  /** minOffset = the first entry whose record is still in the commit log. */
  async correctMinOffset(minPhy: number): Promise<void> {
    let lo = Math.max(this.minOffset, this.segments.minOffset / CQ_ENTRY_SIZE);
    let hi = this.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await this.entries(mid, 1);
      if (e === null || entryPhy(e.buf, 0) + entrySize(e.buf, 0) <= minPhy) lo = mid + 1;
      else hi = mid;
    }
    this.minOffset = lo;
  }

  async destroy(): Promise<void> {
    await this.flushing?.catch(() => undefined);
    await this.segments.dropFrom(0);
  }

  async close(): Promise<void> {
    await this.segments.closeAll();
  }

  private resetEmpty(offset: number): void {
    this.minOffset = offset;
    this.maxOffset = offset;
    this.writtenOffset = offset;
    this.tailStart = offset;
    this.tail = Buffer.alloc(0);
  }

  private put(phy: number, size: number, tagsCode: number): void {
    let pos = (this.maxOffset - this.tailStart) * CQ_ENTRY_SIZE;
    if (pos + CQ_ENTRY_SIZE > this.tail.length) {
      this.regrowTail();
      pos = (this.maxOffset - this.tailStart) * CQ_ENTRY_SIZE;
    }
    const t = this.tail;
    writeLong(t, phy, pos);
    t.writeInt32BE(size, pos + 8);
    writeLong(t, tagsCode, pos + 12);
    this.maxOffset++;
  }

  /**
   * A new tail buffer keeping the newest entries (never unwritten ones). Always a fresh
   * buffer: an in-flight flush may still be writing a slice of the old one.
   */
  private regrowTail(): void {
    const keepFrom = Math.max(this.tailStart, Math.min(this.writtenOffset, this.maxOffset - (this.tailCap >> 1)));
    const keep = this.maxOffset - keepFrom;
    const cap = Math.max(INITIAL_TAIL_ENTRIES, keep * 2);
    const next = Buffer.allocUnsafe(cap * CQ_ENTRY_SIZE);
    this.tail.copy(next, 0, (keepFrom - this.tailStart) * CQ_ENTRY_SIZE, (this.maxOffset - this.tailStart) * CQ_ENTRY_SIZE);
    this.tail = next;
    this.tailStart = keepFrom;
  }

  private async doFlush(now: number): Promise<void> {
    const to = this.maxOffset;
    let from = this.writtenOffset;
    if (from >= to) return;
    const tail = this.tail;
    const tailStart = this.tailStart;
    const touched = new Set<SegmentFile>();
    while (from < to) {
      const segStart = Math.floor(from / this.perFile) * this.perFile * CQ_ENTRY_SIZE;
      const seg = this.segments.getOrCreate(segStart, now);
      const segEndEntry = seg.end / CQ_ENTRY_SIZE;
      const n = Math.min(to, segEndEntry) - from;
      const slice = tail.subarray((from - tailStart) * CQ_ENTRY_SIZE, (from - tailStart + n) * CQ_ENTRY_SIZE);
      await seg.write(slice, from * CQ_ENTRY_SIZE - seg.start);
      touched.add(seg);
      from += n;
    }
    for (const seg of touched) await seg.sync();
    if (to > this.writtenOffset) this.writtenOffset = to;
  }

  /** Entries straight from the file, not crossing a file end. */
  private async readEntries(offset: number, max: number): Promise<CqEntries | null> {
    const seg = this.segments.find(offset * CQ_ENTRY_SIZE);
    if (seg === undefined || max <= 0) return null;
    const count = Math.min(max, seg.end / CQ_ENTRY_SIZE - offset);
    try {
      const buf = await seg.read(offset * CQ_ENTRY_SIZE - seg.start, count * CQ_ENTRY_SIZE);
      const got = Math.floor(buf.length / CQ_ENTRY_SIZE);
      return got === 0 ? null : { buf, count: got };
    } catch {
      return null;
    }
  }

  /** How many leading entries of the file satisfy keep (binary search over a prefix property). */
  private async countPrefix(segStart: number, keep: (entry: Buffer) => boolean): Promise<number> {
    const seg = this.segments.find(segStart);
    if (seg === undefined) return 0;
    let lo = 0;
    let hi = this.perFile;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await seg.read(mid * CQ_ENTRY_SIZE, CQ_ENTRY_SIZE);
      if (e.length === CQ_ENTRY_SIZE && keep(e)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
