// Keeps the page cache of the commit log's current segment filled ahead of the write position.
// Segment files are sparse: a write into a hole makes the kernel allocate and map a new page
// cache page for every 4 KiB, about 0.2 µs per KiB on this path, on the event loop. Writing
// zeros a few MiB ahead through the thread pool moves that work to another thread; the
// record writes then copy into pages that already exist (about 0.075 µs per KiB). The
// zeroing costs CPU of its own, so it is off by default: it pays only where a core is idle
// (measured in docs/storage.md).
//
// Zeros ahead of the data are what the sparse file reads as anyway, so recovery sees the same
// end of data. They are only written ahead in ASYNC_FLUSH: with SYNC_FLUSH every group
// commit's fdatasync would also write the zeros that were added since the previous one.
//
// The one rule: a zero write never lands on record bytes. Zeros start at or after the end of
// everything encoded (maxOffset, page aligned), and a record write that would reach into a
// zero write still in flight waits for it (blocks()).
import { write } from 'node:fs';
import type { SegmentFile } from './segment-file.js';

const PAGE = 4096;
/**
 * Bytes zeroed per thread-pool write at most. A write holds the file's inode lock, so a record
 * write meanwhile waits for it: 256 KiB keeps that wait near 50 µs (1 MiB steps made five
 * times as many record writes take over 0.1 ms).
 */
const STEP = 256 * 1024;

let zeros: Buffer | undefined;

export class SegmentWarmer {
  /** Log offset up to which the file has been zeroed (or holds data). */
  private warmTo = 0;
  /** The zero write in flight: [from, to) of segment. */
  private inFlight: { segment: SegmentFile; from: number; to: number } | undefined;
  private idle: (() => void)[] = [];
  private stopped = false;
  /** Bytes per zero write: STEP, or half of `ahead` when that is less. */
  private readonly step: number;

  constructor(
    /** How far past the written data to keep the file zeroed; 0 turns warming off. */
    private readonly ahead: number,
    /** Called when a zero write completes (a record write may have waited on it). */
    private readonly onDone: () => void,
  ) {
    this.step = Math.max(PAGE, Math.min(STEP, Math.floor(ahead / 2 / PAGE) * PAGE));
  }

  get enabled(): boolean {
    return this.ahead > 0 && !this.stopped;
  }

  /** True when a record write to [from, to) of segment must wait for the zero write in flight. */
  blocks(segment: SegmentFile, to: number): boolean {
    const w = this.inFlight;
    return w !== undefined && w.segment === segment && to > w.from;
  }

  /**
   * Zeroes the next step of segment past encodedEnd (the log's maxOffset) when the zeroed
   * region reaches less than `ahead` past writtenEnd.
   */
  warm(segment: SegmentFile, encodedEnd: number, writtenEnd: number): void {
    if (!this.enabled || this.inFlight !== undefined || segment.fd < 0) return;
    const floor = Math.ceil(encodedEnd / PAGE) * PAGE;
    const from = Math.max(this.warmTo, floor, segment.start);
    const limit = Math.min(segment.end, writtenEnd + this.ahead);
    if (limit - from < this.step) return;
    const to = from + this.step;
    if (!segment.acquire()) return;
    zeros ??= Buffer.alloc(STEP);
    this.inFlight = { segment, from, to };
    write(segment.fd, zeros, 0, to - from, from - segment.start, (err, written) => {
      segment.release();
      this.inFlight = undefined;
      // A failed zero write (a full disk, say) costs nothing but the warming: record writes
      // report their own errors. A short one warmed what it wrote.
      if (err !== null) this.stopped = true;
      else this.warmTo = from + written;
      for (const resolve of this.idle.splice(0)) resolve();
      this.onDone();
    });
  }

  /** Resolves once no zero write is in flight; none starts after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.inFlight !== undefined) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
