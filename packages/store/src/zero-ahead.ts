// Keeps the commit log written with zeros a little ahead of its appends (SYNC_FLUSH). A segment
// starts as a sparse file: a write into a hole has the file system allocate blocks, and the
// fdatasync that makes it durable then also commits that allocation to the journal. Into blocks
// that were already written (and synced) an fdatasync writes the data pages and nothing else:
// 85-90 µs against 150-160 µs for 23 KiB on the benchmark machine (docs/storage.md).
// The zeros go out a chunk at a time on the thread pool, each followed by an fdatasync of its
// own, always past the last appended byte's page; a data write that reaches into a chunk in
// flight waits for it, so no zero ever lands on data.
//
// With ASYNC_FLUSH and mapped writes (commit-log.ts) the same zeros prepare the pages that appends
// encode into through a mapping of the segment: instead of an fdatasync, each chunk is
// made writable in the mapping (populated) in the same trip through the thread pool, and only
// bytes below zeroedThrough() are written that way.
import { fdatasyncFd, writeFully } from './fs-io.js';
import type { SegmentFile } from './segment-file.js';

const PAGE = 4096;
/**
 * Zeroing pays for small group commits, where the journal commit is most of an fdatasync. For
 * large ones the data's own transfer dominates and the zeros only double the bytes written (SYNC
 * x64 with 64 KiB bodies: 1,107-1,165 MB/s with zeroing against 1,333-1,377 without), so it
 * pauses while the group commits average more than this.
 */
export const ZERO_MAX_GROUP_BYTES = 256 * 1024;

export class ZeroAhead {
  /** Log offset below which the current segment is written (zeros or data). */
  private zeroedTo = 0;
  /** The log range being zeroed, or -1s. */
  private busyFrom = -1;
  private busyTo = -1;
  private stopped = false;
  private zeros: Buffer | undefined;
  /** Moving average of the bytes each group commit's fdatasync made durable. */
  private groupBytes = 0;
  /** Resolves when the chunk in flight is done (shared by every stop() meanwhile). */
  private idle: Promise<void> | undefined;
  private wakeIdle: (() => void) | undefined;

  constructor(
    /** How far past the appends the zeros reach. */
    private readonly ahead: number,
    /** Bytes per write (and fdatasync). */
    private readonly chunk: number,
    /** Called when a chunk is done (a data write may have waited for it). */
    private readonly onChunk: () => void,
    /** A failed zero write or sync: nothing appended is at stake, zeroing just stops. */
    private readonly onError: (err: Error) => void,
    /**
     * Writes the zeros over [from, to) of seg (file positions from - seg.start on) and whatever
     * goes with them; a rejection counts as a failed chunk. By default a write of zeros, then
     * an fdatasync.
     */
    private readonly fill: (fd: number, seg: SegmentFile, from: number, to: number) => Promise<unknown> = (fd, seg, from, to) => this.writeAndSync(fd, seg, from, to),
  ) {}

  /** Log offset below which seg is written (with zeros or data), as far as the zeroing knows. */
  zeroedThrough(seg: SegmentFile): number {
    return this.zeroedTo >= seg.start && this.zeroedTo <= seg.start + seg.size ? this.zeroedTo : seg.start;
  }

  /** Whether a data write ending at log offset `to` must wait for the chunk in flight. */
  blocks(to: number): boolean {
    return this.busyFrom >= 0 && to > this.busyFrom;
  }

  /** A group commit's fdatasync made `bytes` durable. */
  flushed(bytes: number): void {
    this.groupBytes += (bytes - this.groupBytes) / 8;
  }

  /** After appends: zero the next chunk of seg when the zeros are less than `ahead` past end. */
  advance(end: number, seg: SegmentFile): void {
    if (this.stopped || this.busyFrom >= 0 || this.groupBytes > ZERO_MAX_GROUP_BYTES) return;
    const fd = seg.fd;
    if (fd < 0) return;
    const segEnd = seg.start + seg.size;
    // A new segment starts unzeroed; one zeroed to its end stays so.
    if (this.zeroedTo < seg.start || this.zeroedTo > segEnd) this.zeroedTo = seg.start;
    if (this.zeroedTo >= end + this.ahead) return;
    // Never the page the last record ends in: the data write covers it.
    const from = Math.max(this.zeroedTo, Math.ceil(end / PAGE) * PAGE);
    const to = Math.min(from + this.chunk, segEnd);
    if (from >= to) return;
    // Held open until the write and its fdatasync are done (retention may delete the file).
    if (!seg.acquire()) return;
    this.busyFrom = from;
    this.busyTo = to;
    this.fill(fd, seg, from, to).then(
      () => this.done(seg, null),
      (e: unknown) => this.done(seg, e instanceof Error ? e : new Error(String(e))),
    );
  }

  private writeAndSync(fd: number, seg: SegmentFile, from: number, to: number): Promise<void> {
    const zeros = (this.zeros ??= Buffer.alloc(this.chunk));
    return new Promise((resolve, reject) =>
      writeFully(fd, zeros, 0, to - from, from - seg.start, (err) => {
        if (err) return reject(err);
        // Not through seg.sync(), which would send the pump's data writes to the thread pool
        // meanwhile: that measured no better in W5 (40.6-48.0 k msgs/s against 40.6-48.4 k
        // without, three alternating rounds), and the commit log's stall check still catches a
        // write that sleeps in the kernel.
        fdatasyncFd(fd).then(resolve, reject);
      }),
    );
  }

  /** Stops zeroing for good (shutdown); resolves once no chunk is in flight. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.busyFrom < 0) return Promise.resolve();
    this.idle ??= new Promise((resolve) => (this.wakeIdle = resolve));
    return this.idle;
  }

  private done(seg: SegmentFile, err: Error | null): void {
    seg.release();
    if (err === null) this.zeroedTo = this.busyTo;
    else this.stopped = true;
    this.busyFrom = -1;
    this.busyTo = -1;
    const wake = this.wakeIdle;
    this.idle = undefined;
    this.wakeIdle = undefined;
    wake?.();
    if (err !== null) this.onError(err);
    this.onChunk();
  }
}
