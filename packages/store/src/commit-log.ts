// The commit log: appends encode into the hot tail, and a write pump sends what accumulated
// to the segment file with one positional write at a time (group commit: everything appended
// while the previous write was in flight, or during one event-loop turn, goes out together).
// A record that does not fit in the current segment ends it with a blank marker.
import { BLANK_MAGIC_CODE, MESSAGE_MAGIC_CODE, readLong, SysFlag } from '@contrail/common';
import { writeFully, writeFullySync } from './fs-io.js';
import { HotTail, type Chunk, type HotLease } from './hot-tail.js';
import type { PreparedRecord, RecordEncoder } from './record-encoder.js';
import type { DispatchRequest } from './dispatch-request.js';
import { isDispatchable } from './dispatch-request.js';
import type { SegmentQueue } from './segment-queue.js';
import type { SegmentFile } from './segment-file.js';
import { ZeroAhead } from './zero-ahead.js';
import { SegmentMappings, type MappedFileOps } from './segment-mappings.js';

/** Room a segment keeps for its blank marker (TOTALSIZE + BLANK_MAGIC_CODE). */
export const END_FILE_MIN_BLANK_LENGTH = 8;
const CHUNK_SIZE = 4 * 1024 * 1024;
/**
 * Group writes up to this size are copied into the page cache synchronously (writeSync, about
 * 0.2-0.3 µs per KiB); larger ones go through the thread pool. See docs/storage.md.
 */
const SYNC_WRITE_MAX = 1024 * 1024;
/** A synchronous write that took longer than this and slept in the kernel (journal, writeback)... */
const SYNC_WRITE_STALL_MS = 0.5;
/** ...plus 1 ms for every this many bytes in it. */
const STALL_BYTES_PER_MS = 2 * 1024 * 1024;
/**
 * ...and writes then go through the thread pool for up to this many times as long as it took
 * (until a thread-pool write is quick again).
 */
const SYNC_WRITE_HOLDOFF_FACTOR = 50;
/** How long after a slow write each write's sleeps in the kernel are counted. */
const SLEEP_WATCH_MS = 2000;
/** Zeros written ahead (zero-ahead.ts) go out in writes of this size, each with an fdatasync. */
const ZERO_CHUNK = 1024 * 1024;

/** What the store's native helper lends the commit log (native-helper.ts); each part optional. */
export interface CommitLogNative {
  /**
   * Writes the BODYCRC of every record in buf[from, to) when the encoder leaves them 0: called
   * once per write, just before it, so a group of appends costs one call. Nothing reads a
   * record before it is written (read() and the consume queue stop at writtenOffset), so
   * nothing sees the field unfilled.
   */
  fillBodyCrcs?: ((buf: Buffer, from: number, to: number) => number) | undefined;
  /** Voluntary context switches of the calling thread (the event loop's) so far. */
  threadSleeps?: (() => number) | undefined;
  /**
   * Shared mappings of segment files (ASYNC_FLUSH with zero-ahead): appends then encode
   * straight into the page cache below the zeroed frontier, and the pump has nothing to copy.
   */
  mapped?: MappedFileOps | undefined;
}

/**
 * Zeros for mapped writes go out this much at a time (in 1 MiB writes, then populated in the
 * mapping, one trip through the thread pool): with 1 MiB at a time, and a trip each for the write
 * and the populate, appends in batches of 32 outran the zeros.
 */
const MAPPED_ZERO_CHUNK = 4 * 1024 * 1024;
/**
 * A mapped chunk is started only with at least this much zeroed room ahead of the log end (or
 * the rest of the segment zeroed).
 */
const MAPPED_MIN_ROOM = 256 * 1024;

/**
 * Without the helper: the whole process's count, which also moves when a thread-pool thread
 * sleeps (an idle one always does), so a slow write is more often taken for a stall.
 */
function processSleeps(): number {
  return process.resourceUsage().voluntaryContextSwitches;
}

/** Where the last append went (fields of the log rather than an object per append). */
export interface AppendOutcome {
  physicalOffset: number;
  end: number;
  wroteBytes: number;
  /** Dispatchable records in it (each handed to the sink). */
  dispatched: number;
}

export class CommitLog {
  readonly hot: HotTail;
  /** End of the encoded bytes (the next record's offset). */
  maxOffset = 0;
  /** Everything below is written to the files. */
  writtenOffset = 0;
  /** Everything below is fdatasync'ed (maintained by the flush service). */
  flushedOffset = 0;
  /** Bytes appended into segment mappings (mapped chunks), blank markers included. */
  mappedWriteBytes = 0;
  /** Store timestamp of the newest written record (for the checkpoint). */
  lastWrittenTimestamp = 0;
  failed: Error | undefined;
  /** Called after each completed write with the new writtenOffset. */
  onWritten: (writtenOffset: number) => void = () => undefined;
  onFailure: (err: Error) => void = () => undefined;
  private writing = false;
  private scheduled = false;
  private pendingTimestamp = 0;
  private syncWritesOffUntil = 0;
  private watchSleepsUntil = 0;
  private readonly chunkSize: number;
  private readonly fillBodyCrcs: ((buf: Buffer, from: number, to: number) => number) | undefined;
  private readonly sleeps: () => number;
  private readonly zero: ZeroAhead | undefined;
  /** Segment mappings for mapped writes (ASYNC_FLUSH with zero-ahead and the helper), or undefined. */
  readonly mappings: SegmentMappings | undefined;

  constructor(
    readonly segments: SegmentQueue,
    private readonly encoder: RecordEncoder,
    hotTailBytes: number,
    private readonly now: () => number,
    native: CommitLogNative = {},
    /** How far ahead of the appends the log is kept written with zeros (0: not at all). */
    zeroAheadBytes = 0,
    onZeroError: (err: Error) => void = () => undefined,
  ) {
    // Mapped writes encode into zeroed pages only, so they need the zeroing ahead.
    const mappings = zeroAheadBytes > 0 && native.mapped !== undefined ? new SegmentMappings(native.mapped) : undefined;
    this.mappings = mappings;
    if (zeroAheadBytes > 0) {
      const fill = mappings === undefined ? undefined : (fd: number, seg: SegmentFile, from: number, to: number) => mappings.zeroFill(fd, seg, from, to);
      // Mapped appends run into the zeros at memory speed: bigger chunks, fewer round trips.
      const chunk = Math.min(mappings === undefined ? ZERO_CHUNK : MAPPED_ZERO_CHUNK, zeroAheadBytes);
      this.zero = new ZeroAhead(zeroAheadBytes, chunk, () => this.zeroChunkDone(), onZeroError, fill);
    }

    this.fillBodyCrcs = native.fillBodyCrcs;
    this.sleeps = native.threadSleeps ?? processSleeps;
    this.chunkSize = Math.min(CHUNK_SIZE, segments.fileSize);
    this.hot = new HotTail(hotTailBytes, this.chunkSize);
    if (mappings !== undefined) this.hot.onEvicted = (c) => mappings.evicted(c);
  }

  get minOffset(): number {
    return this.segments.minOffset;
  }

  get pendingWriteBytes(): number {
    return this.maxOffset - this.writtenOffset;
  }

  /** Sets the recovered end: appends continue from here. */
  reset(end: number): void {
    this.hot.clear();
    this.maxOffset = end;
    this.writtenOffset = end;
    this.flushedOffset = end;
  }

  /** What the last successful append wrote (overwritten by the next append). */
  readonly last: AppendOutcome = { physicalOffset: 0, end: 0, wroteBytes: 0, dispatched: 0 };

  /**
   * Encodes the records back to back (one batch never spans segments) and hands each
   * dispatchable record's request to sink. Queue offsets count up from firstQueueOffset for
   * dispatchable records. False when the batch cannot fit a segment; `last` tells the rest.
   */
  append(records: readonly PreparedRecord[], firstQueueOffset: number, storeTimestamp: number, sink: (r: DispatchRequest) => void, now = this.now()): boolean {
    let total = 0;
    for (let i = 0; i < records.length; i++) total += (records[i] as PreparedRecord).size;
    const segSize = this.segments.fileSize;
    if (total + END_FILE_MIN_BLANK_LENGTH > segSize) return false;
    let segStart = Math.floor(this.maxOffset / segSize) * segSize;
    if (this.maxOffset + total + END_FILE_MIN_BLANK_LENGTH > segStart + segSize) {
      this.writeBlank(segStart + segSize);
      segStart += segSize;
    }
    const chunk = this.chunkFor(total + END_FILE_MIN_BLANK_LENGTH, segStart);
    const physicalOffset = this.maxOffset;
    let phy = physicalOffset;
    let pos = chunk.used;
    let queueOffset = firstQueueOffset;
    const buf = chunk.buf;
    const encoder = this.encoder;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as PreparedRecord;
      const dispatchable = isDispatchable(r.sysFlag);
      const qo = dispatchable ? queueOffset : 0;
      encoder.encode(buf, pos, r, phy, qo, storeTimestamp);
      if (dispatchable) {
        sink(encoder.dispatchOf(r, phy, qo, storeTimestamp));
        queueOffset++;
      }
      phy += r.size;
      pos += r.size;
    }
    chunk.used = pos;
    this.maxOffset = phy;
    this.pendingTimestamp = storeTimestamp;
    chunk.segment.lastModified = now;
    this.schedule();
    this.zeroMore();
    const last = this.last;
    last.physicalOffset = physicalOffset;
    last.end = phy;
    last.wroteBytes = total;
    last.dispatched = queueOffset - firstQueueOffset;
    return true;
  }

  isHot(offset: number): boolean {
    return this.hot.contains(offset);
  }

  /** A view of a record in memory, or undefined when it must come from the file. */
  readHot(offset: number, size: number, lease?: HotLease): Buffer | undefined {
    return this.hot.slice(offset, size, lease);
  }

  /** The bytes [offset, offset + size) from memory or the file; null when gone or not written. */
  async read(offset: number, size: number): Promise<Buffer | null> {
    if (offset + size > this.writtenOffset) return null;
    const hot = this.hot.slice(offset, size);
    if (hot !== undefined) return hot;
    if (offset < this.minOffset) return null;
    const seg = this.segments.find(offset);
    if (seg === undefined || offset + size > seg.end) return null;
    try {
      const buf = await seg.read(offset - seg.start, size);
      return buf.length === size ? buf : null;
    } catch {
      return null;
    }
  }

  /** One whole record at offset, checked to be a record that starts there. */
  async readRecord(offset: number): Promise<Buffer | null> {
    if (offset < this.minOffset || offset + 4 > this.writtenOffset) return null;
    const head = await this.read(offset, 4);
    if (head === null) return null;
    const size = head.readInt32BE(0);
    if (size < 84 || offset + size > this.writtenOffset) return null;
    const rec = await this.read(offset, size);
    if (rec === null || rec.readInt32BE(4) !== MESSAGE_MAGIC_CODE || readLong(rec, 28) !== offset) return null;
    return rec;
  }

  /** STORETIMESTAMP of the record at offset, or -1. */
  async readStoreTimestamp(offset: number): Promise<number> {
    const head = await this.read(offset, 76);
    const h = head ?? (await this.read(offset, 64));
    if (h === null) return -1;
    const bornLen = (h.readInt32BE(36) & SysFlag.BORNHOST_V6) !== 0 ? 20 : 8;
    const at = 48 + bornLen;
    return h.length >= at + 8 ? readLong(h, at) : -1;
  }

  /** Resolves once every appended byte is written (or the log failed). */
  async drain(): Promise<void> {
    while (this.writtenOffset < this.maxOffset && this.failed === undefined) {
      this.schedule();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** A group commit's fdatasync made `bytes` durable (zero-ahead pauses for large groups). */
  groupFlushed(bytes: number): void {
    this.zero?.flushed(bytes);
  }

  /** Stops writing zeros ahead; resolves once none are in flight (before the files close). */
  stopZeroAhead(): Promise<void> {
    return this.zero?.stop() ?? Promise.resolve();
  }

  private zeroChunkDone(): void {
    this.pump();
    this.zeroMore();
  }

  /** Zeros on from the log end, in the segment it is in (once the segment is open). */
  private zeroMore(): void {
    const cur = this.hot.current;
    if (cur !== undefined && !cur.closed) this.zero?.advance(this.maxOffset, cur.segment);
  }

  private writeBlank(segEnd: number): void {
    const chunk = this.chunkFor(END_FILE_MIN_BLANK_LENGTH, segEnd - this.segments.fileSize);
    chunk.buf.writeInt32BE(segEnd - this.maxOffset, chunk.used);
    chunk.buf.writeInt32BE(BLANK_MAGIC_CODE, chunk.used + 4);
    chunk.used += END_FILE_MIN_BLANK_LENGTH;
    this.hot.close(chunk, segEnd);
    this.maxOffset = segEnd;
  }

  /** The chunk the next bytes go to, with at least room bytes free; opens one if needed. */
  private chunkFor(room: number, segStart: number): Chunk {
    const cur = this.hot.current;
    const end = this.maxOffset;
    if (cur !== undefined && !cur.closed && cur.segment.start === segStart && cur.start + cur.used === end && cur.used + room <= cur.buf.length) {
      if (cur.mapped) {
        // Mapped bytes go only where zeros already are: past that, a memory chunk.
        if (this.mappings?.on === true && end + room <= this.mappedRoomEnd(cur.segment)) return cur;
      } else if (!this.canMap(cur.segment, end + room)) {
        return cur;
      }
    }
    const segEnd = segStart + this.segments.fileSize;
    const segment = this.segments.getOrCreate(segStart, this.now());
    if (this.canMap(segment, end + room)) {
      const view = this.mappings?.of(segment);
      if (view !== undefined) {
        const capacity = Math.min(Math.max(this.chunkSize, room), segEnd - end);
        return this.hot.addMapped(end, view.subarray(end - segStart, end - segStart + capacity), segment);
      }
    }
    const capacity = Math.min(Math.max(this.chunkSize, room), segEnd - end);
    return this.hot.add(end, capacity, segment);
  }

  /** Log offset below which appends may be encoded into seg's mapping. */
  private mappedRoomEnd(seg: SegmentFile): number {
    return this.zero === undefined ? seg.start : this.zero.zeroedThrough(seg);
  }

  /**
   * Whether appends can go into seg's mapping up to `to`: zeroed that far, and everything
   * before the log end already written (so the page the end is in holds written bytes).
   */
  private canMap(seg: SegmentFile, to: number): boolean {
    const m = this.mappings;
    if (m === undefined || !m.on) return false;
    // Room for more than this record (or the rest of the segment), so the chunk is not closed again at once.
    const want = Math.max(to, Math.min(this.maxOffset + MAPPED_MIN_ROOM, seg.end));
    return seg.fd >= 0 && this.writtenOffset === this.maxOffset && want <= this.mappedRoomEnd(seg) && m.of(seg) !== undefined;
  }

  /**
   * Where pages may still be mapped: the hot tail's start, or an evicted chunk whose pages are
   * still being handed back (drop-behind stops there: the kernel keeps mapped pages).
   */
  get mappedFrom(): number {
    return this.mappings === undefined ? Number.MAX_SAFE_INTEGER : this.mappings.busyFrom(this.hot.startOffset);
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.runPump);
  }

  private readonly runPump = (): void => {
    this.scheduled = false;
    this.pump();
  };

  private pump(): void {
    while (!this.writing && this.failed === undefined) {
      const c = this.hot.firstUnwritten();
      if (c === undefined) return;
      const seg = c.segment;
      const fd = seg.fd;
      if (fd < 0) {
        this.writing = true;
        seg.open(true).then(
          () => {
            this.writing = false;
            this.pump();
            this.zeroMore();
          },
          (err: unknown) => this.fail(err),
        );
        return;
      }
      const from = c.written;
      const to = c.used;
      // Zeros in flight where these bytes go: the pump runs again when they are done.
      if (this.zero?.blocks(c.start + to)) return;
      if (this.fillBodyCrcs !== undefined) {
        try {
          this.fillBodyCrcs(c.buf, from, to);
        } catch (err) {
          this.fail(err);
          return;
        }
      }
      const stamp = this.pendingTimestamp;
      if (c.mapped) {
        // Encoded into the page cache already: nothing to copy.
        this.mappedWriteBytes += to - from;
        this.completed(c, to, stamp);
        continue;
      }
      const filePos = c.start - seg.start + from;
      const t0 = performance.now();
      if (to - from <= SYNC_WRITE_MAX && !seg.syncing && t0 >= this.syncWritesOffUntil) {
        // A copy into the page cache (what RocketMQ's put into its mmap'ed file is): a few
        // microseconds, less than handing the write to the thread pool and back.
        const watch = t0 < this.watchSleepsUntil;
        const sleeps = watch ? this.sleeps() : 0;
        try {
          writeFullySync(fd, c.buf, from, to - from, filePos);
        } catch (err) {
          this.fail(err);
          return;
        }
        const t1 = performance.now();
        // Slow for its size: over 0.5 ms plus 0.5 ms per MiB (a 1 MiB copy takes about 0.16 ms).
        if (t1 - t0 > SYNC_WRITE_STALL_MS + (to - from) / STALL_BYTES_PER_MS) {
          // Slow because the thread slept in the kernel (a voluntary context switch), not
          // because the scheduler gave the core to another process meanwhile. Counting the
          // sleeps costs a getrusage per write, so that starts with the first slow write.
          if (!watch) this.watchSleepsUntil = t1 + SLEEP_WATCH_MS;
          else if (this.sleeps() !== sleeps) {
            this.syncWritesOffUntil = t1 + (t1 - t0) * SYNC_WRITE_HOLDOFF_FACTOR;
            this.watchSleepsUntil = t1 + SLEEP_WATCH_MS;
          }
        }
        this.completed(c, to, stamp);
        this.hot.prefault();
        continue;
      }
      this.writing = true;
      const heldOff = t0 < this.syncWritesOffUntil;
      writeFully(fd, c.buf, from, to - from, filePos, (err) => {
        if (err) return this.fail(err);
        this.writing = false;
        // A write the hold-off sent to the thread pool went through quickly: the kernel is not
        // making writers sleep any more, so the hold-off ends early (in closed-loop appends
        // every append waits on each of these writes, so a hold-off that outlives the stall
        // costs throughput).
        if (heldOff && performance.now() - t0 < SYNC_WRITE_STALL_MS) this.syncWritesOffUntil = 0;
        this.completed(c, to, stamp);
        this.pump();
      });
      this.hot.prefault();
      return;
    }
  }

  /** Records that c is written up to `to`, then tells the store. */
  private completed(c: Chunk, to: number, stamp: number): void {
    c.written = to;
    const written = c.closed && c.written === c.used ? c.end : c.start + c.written;
    if (written > this.writtenOffset) this.writtenOffset = written;
    if (this.writtenOffset === this.maxOffset) this.lastWrittenTimestamp = stamp;
    this.hot.evict();
    this.onWritten(this.writtenOffset);
  }

  private fail(err: unknown): void {
    this.writing = false;
    this.failed = err instanceof Error ? err : new Error(String(err));
    this.onFailure(this.failed);
  }
}
