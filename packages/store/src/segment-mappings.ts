// The commit log's shared mappings of its segment files (mapped writes, docs/storage.md):
// made once per segment, prepared a zero-ahead step at a time (zeros written and the pages
// populated, on the thread pool), and handed back page by page as chunks leave the hot tail.
// A mapping is unmapped when its ArrayBuffer is collected, so a view never dangles.
import type { NativeHelper } from './native-helper.js';
import type { SegmentFile } from './segment-file.js';
import type { Chunk } from './hot-tail.js';

/** The native helper's mapping calls (native/mapped-file.c). */
export type MappedFileOps = Required<Pick<NativeHelper, 'mapShared' | 'zeroFill' | 'dontNeed'>>;

export class SegmentMappings {
  /** Set once mapped writes are off for good (file system, populate failing). */
  private off = false;
  /** The last segment a mapping was tried for. */
  private tried: SegmentFile | undefined;
  /** Log offsets where evicted chunks' page hand-backs still in flight start (see busyFrom). */
  private readonly releasing: number[] = [];
  /** Told once why mapped writes went off. */
  onOff: (reason: string) => void = () => undefined;

  constructor(private readonly ops: MappedFileOps) {}

  get on(): boolean {
    return !this.off;
  }

  /** Turns mapped writes off for good. */
  stop(reason: string): void {
    if (this.off) return;
    this.off = true;
    this.onOff(reason);
  }

  /** seg's mapping (made on first use; tried once per segment), or undefined. */
  of(seg: SegmentFile): Buffer | undefined {
    if (seg.mapping !== undefined || this.tried === seg || seg.fd < 0) return seg.mapping;
    this.tried = seg;
    try {
      seg.mapping = Buffer.from(this.ops.mapShared(seg.fd, 0, seg.size));
    } catch {
      // No mapping for this segment (address space, a file system without mmap): memory chunks.
      seg.mapping = undefined;
    }
    return seg.mapping;
  }

  /**
   * Zeros [from, to) of seg and makes its pages writable in the mapping, in one trip through
   * the thread pool (the block allocation and page faults are taken there).
   */
  async zeroFill(fd: number, seg: SegmentFile, from: number, to: number): Promise<void> {
    const view = this.of(seg);
    const errno =
      view === undefined
        ? await this.ops.zeroFill(fd, from - seg.start, null, 0, to - from)
        : await this.ops.zeroFill(fd, from - seg.start, view.buffer, view.byteOffset + from - seg.start, view.byteOffset + to - seg.start);
    // Only the populate failed (EINVAL before Linux 5.14): every mapped page would fault on the
    // event loop, so mapped writes go off; the zeros are written.
    if (errno < 0) this.stop(`making zeroed pages writable failed (errno ${-errno})`);
    else if (errno !== 0) throw new Error(`writing zeros ahead of the commit log failed (errno ${errno})`);
  }

  /**
   * A chunk left the hot tail: its pages in a mapped segment leave the process's resident set
   * (the page cache keeps them), mapped chunks' own and the zeroed pages that memory chunks
   * were written over.
   */
  evicted(c: Chunk): void {
    const seg = c.segment;
    const view = seg.mapping;
    if (view === undefined) return;
    // From the start of its first page: the chunk before it shared that page and left earlier.
    const from = c.start - seg.start;
    const to = (c.closed ? Math.min(c.end, seg.end) : c.start + c.used) - seg.start;
    // Nothing waits on it but drop-behind (busyFrom): a failure only leaves the pages resident
    // until the mapping goes.
    const at = c.start;
    this.releasing.push(at);
    const done = (): void => {
      const i = this.releasing.indexOf(at);
      if (i >= 0) this.releasing.splice(i, 1);
    };
    this.ops.dontNeed(view.buffer, view.byteOffset + from - (from % 4096), view.byteOffset + to).then(done, done);
    // The segment's last chunk gone, and appends moved on: nothing writes there again.
    if (c.closed && c.end >= seg.end && seg !== this.tried) seg.mapping = undefined;
  }

  /** The lowest log offset whose pages are still being handed back, or `limit`. */
  busyFrom(limit: number): number {
    let from = limit;
    for (const r of this.releasing) if (r < from) from = r;
    return from;
  }
}
