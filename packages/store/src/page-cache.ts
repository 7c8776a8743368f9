// Drop-behind: once commit-log bytes are fdatasync'ed, the kernel is told it may drop their
// pages from the page cache (posix_fadvise DONTNEED, through the small native helper in
// native/, on the thread pool). Reads of recent records come from the hot tail, and older
// ones read the file again, so the cached copy is only ever used by catch-up reads. Pages a
// start after a crash would check (from the checkpoint's verifyFrom, verify-window.ts) are
// kept, so a restart after a kill reads them from memory as before.
//
// Why: new page-cache pages are costly on a VM whose memory the host hands out lazily. On
// the test VM, 1 MiB writes with an fdatasync every 16 MiB ran at 1.7-2.4 GB/s for the first
// 0.5-1 GB and then at 320-440 MB/s, while the same writes dropping everything more than
// 64 MiB behind kept 1.6-1.9 GB/s over 2 GB (docs/storage.md). Dropped pages are reused by
// the next writes. The helper is optional: without it (no compiler at install time, not
// Linux) the store runs exactly as before.
import type { Logger } from '@contrail/common';
import type { NativeHelper } from './native-helper.js';
import type { SegmentQueue } from './segment-queue.js';

export { nativeHelper, trimNativeHeap, warnNoHelper } from './native-helper.js';

/** Bytes that must be flushed past the last drop before the next one. */
export const DROP_STEP = 4 * 1024 * 1024;
const PAGE = 4096;

export class DropBehind {
  /** Offset below which pages were dropped or are left alone (page aligned; see startAt). */
  private done = 0;
  /** Pages at and past this offset stay: a start after a crash would read them (0: none yet). */
  private floor = 0;
  private busy = false;
  private disabled = false;
  /** Bytes of the log the kernel was told to drop. */
  droppedBytes = 0;

  constructor(
    private readonly segments: SegmentQueue,
    private readonly native: NativeHelper,
    /** The newest this many flushed bytes stay cached (catch-up reads of recent records). */
    private readonly keepBytes: number,
    private readonly logger: Logger,
    /**
     * Offset from which pages may still be mapped by the commit log (mapped writes): the kernel
     * does not drop mapped pages, so the drop waits until they are let go.
     */
    private readonly mappedFrom: () => number = () => Number.MAX_SAFE_INTEGER,
  ) {}

  /** Pages below offset are left as they are (the log as recovered at start-up). */
  startAt(offset: number): void {
    this.done = offset - (offset % PAGE);
  }

  /** Where recovery after a crash would start reading now (after each checkpoint). */
  keepFrom(offset: number): void {
    this.floor = offset;
  }

  /** Called after an fdatasync covered everything below flushed. */
  flushed(flushed: number): void {
    const behind = Math.min(flushed - this.keepBytes, this.floor, this.mappedFrom());
    if (this.busy || this.disabled || behind - this.done < DROP_STEP) return;
    const end = behind - (behind % PAGE);
    this.busy = true;
    this.drop(this.done, end)
      .catch((err: unknown) => {
        this.disabled = true;
        this.logger.warn({ err }, 'page-cache drop-behind failed; commit-log pages stay in the page cache');
      })
      .finally(() => {
        this.busy = false;
      });
  }

  private async drop(from: number, to: number): Promise<void> {
    // A copy: retention may remove segments from the queue while a drop awaits.
    for (const seg of [...this.segments.segments]) {
      if (seg.end <= from || seg.start >= to || seg.fd < 0 || !seg.acquire()) continue;
      try {
        const start = Math.max(from, seg.start) - seg.start;
        const end = Math.min(to, seg.end) - seg.start;
        const errno = await this.native.dropCache(seg.fd, start, end - start);
        if (errno !== 0) {
          this.disabled = true;
          this.logger.warn({ errno }, 'posix_fadvise(DONTNEED) failed; commit-log pages stay in the page cache');
          return;
        }
        this.droppedBytes += end - start;
      } finally {
        seg.release();
      }
    }
    this.done = to;
  }
}
