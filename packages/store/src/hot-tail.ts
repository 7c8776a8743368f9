// The newest commit-log bytes kept in memory, in chunks that are also the write buffers:
// appends encode straight into a chunk, the write pump writes chunk ranges to the file, and
// reads of recent records are slices of the same memory (no syscall, no copy). A record
// never spans two chunks; a chunk never spans two segments.
import type { SegmentFile } from './segment-file.js';

export interface Chunk {
  /** Commit-log offset of buf[0]. */
  readonly start: number;
  readonly buf: Buffer;
  readonly segment: SegmentFile;
  /** Bytes encoded. */
  used: number;
  /** Bytes written to the file. */
  written: number;
  /** Set once no more appends go here; end may pass start + used (the blank at a segment's end). */
  closed: boolean;
  end: number;
}

export class HotTail {
  readonly chunks: Chunk[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get current(): Chunk | undefined {
    return this.chunks[this.chunks.length - 1];
  }

  get size(): number {
    return this.bytes;
  }

  get startOffset(): number {
    return this.chunks[0]?.start ?? Number.MAX_SAFE_INTEGER;
  }

  add(start: number, capacity: number, segment: SegmentFile): Chunk {
    const cur = this.current;
    if (cur !== undefined && !cur.closed) this.close(cur, cur.start + cur.used);
    const c: Chunk = { start, buf: Buffer.allocUnsafeSlow(capacity), segment, used: 0, written: 0, closed: false, end: start };
    this.chunks.push(c);
    this.bytes += capacity;
    return c;
  }

  close(c: Chunk, end: number): void {
    c.closed = true;
    c.end = end;
  }

  /** The first chunk with bytes not yet written. */
  firstUnwritten(): Chunk | undefined {
    for (const c of this.chunks) if (c.written < c.used) return c;
    return undefined;
  }

  /** A zero-copy view of [offset, offset + size) when it lies in memory. */
  slice(offset: number, size: number): Buffer | undefined {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = chunks[mid] as Chunk;
      if (offset < c.start) hi = mid - 1;
      else if (offset >= c.start + c.buf.length) lo = mid + 1;
      else {
        const pos = offset - c.start;
        return pos + size <= c.used ? c.buf.subarray(pos, pos + size) : undefined;
      }
    }
    return undefined;
  }

  contains(offset: number): boolean {
    return offset >= this.startOffset;
  }

  /** Drops the oldest fully written chunks beyond the limit; the current chunk always stays. */
  evict(): void {
    while (this.bytes > this.limit && this.chunks.length > 1) {
      const c = this.chunks[0] as Chunk;
      if (c.written < c.used) break;
      this.chunks.shift();
      this.bytes -= c.buf.length;
    }
  }

  /** Forgets everything (recovery and truncation start afresh from the files). */
  clear(): void {
    this.chunks.length = 0;
    this.bytes = 0;
  }
}
