// The newest commit-log bytes kept in memory, in chunks that are also the write buffers:
// appends encode straight into a chunk, the write pump writes chunk ranges to the file, and
// reads of recent records are slices of the same memory (no syscall, no copy). A record
// never spans two chunks; a chunk never spans two segments.
//
// Fresh chunk memory costs a page fault per 4 KiB on first touch (1.4-8 ms per 4 MiB chunk
// on the test VM, 10-50 times the cost of copying into memory already touched). So the next
// chunk is kept ready as a spare: either a chunk that fell out of the hot tail (recycled
// whole, see below), or a new buffer filled from /dev/zero by a read on the
// thread pool, which takes the page faults off the event loop (prefault). A slice handed out
// may still be queued on a socket, so a chunk is recycled only when every slice it gave went
// out under a lease (HotLease) and every lease has been released; a slice taken without one
// pins the chunk, and its memory is left to the GC.
//
// A mapped chunk (commit-log.ts, mapped writes) is a view of the segment file's shared mapping:
// the appends' bytes are in the page cache as they are encoded, and nothing is recycled: once
// it leaves the hot tail its pages leave the process's resident set (onEvicted), and any
// slice still held maps them in again when read.
import { openSync, read } from 'node:fs';
import type { SegmentFile } from './segment-file.js';

let zero: number | undefined;

/** A descriptor of /dev/zero shared by every hot tail of the process, or -1 without one. */
function zeroFd(): number {
  if (zero === undefined) {
    try {
      zero = openSync('/dev/zero', 'r');
    } catch {
      zero = -1;
    }
  }
  return zero;
}

function readFully(fd: number, buf: Buffer, from: number, done: (ok: boolean) => void): void {
  read(fd, buf, from, buf.length - from, null, (err, n) => {
    if (err !== null || n <= 0) return done(false);
    if (from + n < buf.length) return readFully(fd, buf, from + n, done);
    done(true);
  });
}

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
  /** Set once a slice of buf left without a lease (the memory can then never be reused). */
  pinned: boolean;
  /** Leases holding slices of buf and not yet released. */
  leases: number;
  /** Set once the chunk has left the hot tail. */
  evicted: boolean;
  /** The whole buffer buf is a view of (buf may be shorter at a segment's end). */
  readonly backing: Buffer;
  /** buf is a view of the segment's shared mapping, not memory of its own. */
  readonly mapped: boolean;
}

/** Bytes of the spare touched per prefault step (64 pages). */
const PREFAULT_STEP = 256 * 1024;

export class HotTail {
  readonly chunks: Chunk[] = [];
  private bytes = 0;
  private spare: Buffer | undefined;
  /** Bytes of the spare already touched. */
  private spareReady = 0;
  /** A thread-pool read is touching the next spare. */
  private prefaulting = false;
  /** Evicted chunks whose memory became the spare, the next chunk's memory (for tests and stats). */
  recycled = 0;
  /** Called for each chunk that leaves the hot tail. */
  onEvicted: (c: Chunk) => void = () => undefined;

  constructor(
    private readonly limit: number,
    private readonly chunkSize: number = 4 * 1024 * 1024,
  ) {}

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
    let backing: Buffer;
    const spare = this.spare;
    if (spare !== undefined && capacity <= spare.length) {
      backing = spare;
      this.spare = undefined;
      this.spareReady = 0;
    } else {
      backing = Buffer.allocUnsafeSlow(capacity);
    }
    const buf = capacity === backing.length ? backing : backing.subarray(0, capacity);
    return this.push({ start, buf, segment, used: 0, written: 0, closed: false, end: start, pinned: false, leases: 0, evicted: false, backing, mapped: false });
  }

  /** A chunk over view, a range of segment's mapping starting at log offset start. */
  addMapped(start: number, view: Buffer, segment: SegmentFile): Chunk {
    const cur = this.current;
    if (cur !== undefined && !cur.closed) this.close(cur, cur.start + cur.used);
    return this.push({ start, buf: view, segment, used: 0, written: 0, closed: false, end: start, pinned: false, leases: 0, evicted: false, backing: view, mapped: true });
  }

  private push(c: Chunk): Chunk {
    this.chunks.push(c);
    this.bytes += c.buf.length;
    return c;
  }

  close(c: Chunk, end: number): void {
    c.closed = true;
    c.end = end;
    // A mapped chunk holds only the pages its records reached.
    if (c.mapped) this.bytes -= c.buf.length - c.used;
  }

  /** The first chunk with bytes not yet written. */
  firstUnwritten(): Chunk | undefined {
    for (const c of this.chunks) if (c.written < c.used) return c;
    return undefined;
  }

  /**
   * A zero-copy view of [offset, offset + size) when it lies in memory. With a lease the
   * chunk's memory is not reused before the lease is released; without one, never.
   */
  slice(offset: number, size: number, lease?: HotLease): Buffer | undefined {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = chunks[mid] as Chunk;
      if (offset < c.start) hi = mid - 1;
      // A closed chunk ends where the next one starts, which may be before its buffer ends.
      else if (offset >= (c.closed ? c.end : c.start + c.buf.length)) lo = mid + 1;
      else {
        const pos = offset - c.start;
        if (pos + size > c.used) return undefined;
        if (lease === undefined) c.pinned = true;
        else lease.hold(c);
        return c.buf.subarray(pos, pos + size);
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
      this.bytes -= c.mapped ? c.used : c.buf.length;
      c.evicted = true;
      this.onEvicted(c);
      this.offer(c);
    }
  }

  /** A lease for the slices one reader takes (pull-scan's readHot). */
  lease(): HotLease {
    return new HotLease(this);
  }

  /**
   * Takes an evicted chunk's memory as the spare when the file has its bytes (evicted chunks
   * are written) and no slice of it can still be in use: none left unleased, every lease
   * released.
   */
  offer(c: Chunk): void {
    if (c.mapped || !c.evicted || c.pinned || c.leases > 0 || c.backing.length !== this.chunkSize) return;
    // Once only: a chunk offered is done with, whatever happens to its memory next.
    c.pinned = true;
    if (this.spare !== undefined && this.spareReady >= this.chunkSize) return;
    this.spare = c.backing;
    this.spareReady = this.chunkSize;
    this.recycled++;
  }

  /**
   * Gets the next chunk's memory ready once the current chunk is a quarter full (an idle log
   * keeps no spare): a read of /dev/zero into a new buffer on the thread pool, so its page
   * faults are taken there, off the event loop; where /dev/zero cannot be opened, by touching
   * the buffer a piece at a time here.
   */
  prefault(): void {
    if (this.spareReady >= this.chunkSize || this.prefaulting) return;
    const cur = this.current;
    // The next chunk of a mapped one is mapped too, as long as the zeros keep ahead.
    if (cur === undefined || cur.mapped || cur.used * 4 < cur.buf.length) return;
    // A written chunk beyond the limit may be waiting for the next completed write to leave:
    // its memory, when free, is the spare, and a new buffer would only be thrown away.
    this.evict();
    if (this.spareReady >= this.chunkSize) return;
    const zero = zeroFd();
    if (zero < 0) {
      this.spare ??= Buffer.allocUnsafeSlow(this.chunkSize);
      const to = Math.min(this.chunkSize, this.spareReady + PREFAULT_STEP);
      this.spare.fill(0, this.spareReady, to);
      this.spareReady = to;
      return;
    }
    const buf = Buffer.allocUnsafeSlow(this.chunkSize);
    this.prefaulting = true;
    readFully(zero, buf, 0, (ok) => {
      this.prefaulting = false;
      if (!ok || this.spareReady >= this.chunkSize) return;
      this.spare = buf;
      this.spareReady = this.chunkSize;
    });
  }

  /** Forgets everything (recovery and truncation start afresh from the files). */
  clear(): void {
    // Whatever was lent out stays with its readers: none of it is taken again.
    for (const c of this.chunks) c.pinned = true;
    this.chunks.length = 0;
    this.bytes = 0;
  }
}

/**
 * The hot-tail chunks one read took slices of. Until release(), none of their memory takes new
 * appends; the holder calls release() once nothing uses the slices any more (for a pull: once
 * the response frame has been handed to the OS). A lease never released only keeps its chunks
 * from being recycled.
 */
export class HotLease {
  private readonly held: Chunk[] = [];
  private released = false;

  constructor(private readonly tail: HotTail) {}

  /** Chunks held (0 when the read took nothing from memory). */
  get size(): number {
    return this.held.length;
  }

  hold(c: Chunk): void {
    if (this.released) {
      c.pinned = true;
      return;
    }
    if (this.held.includes(c)) return;
    this.held.push(c);
    c.leases++;
  }

  /** Lets the chunks go (idempotent); an evicted chunk no one holds becomes the next spare. */
  readonly release = (): void => {
    if (this.released) return;
    this.released = true;
    for (const c of this.held) {
      c.leases--;
      this.tail.offer(c);
    }
    this.held.length = 0;
  };
}
