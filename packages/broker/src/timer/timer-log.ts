// The timer log (storePathRootDir/timerlog): fixed-size timer records appended in enqueue
// order, in segment files named by their 20-digit start position. Appends land in memory and
// are written in order by a background writer; reads see unwritten records too. Reads go
// through a small block cache, because walking a slot's chain reads records that were
// appended close together.
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TIMER_RECORD_SIZE, readTimerRecord, writeTimerRecord, type TimerRecord } from './timer-record.js';

const WRITE_CHUNK = 64 * 1024;
const BLOCK = 1365 * TIMER_RECORD_SIZE;
const CACHED_BLOCKS = 64;
/** Records per read when scanning. */
const SCAN_BATCH = 1024;

interface Segment {
  start: number;
  fh: FileHandle;
}

interface Pending {
  start: number;
  buf: Buffer;
  len: number;
  sealed: boolean;
}

export class TimerLog {
  readonly dir: string;
  readonly segmentSize: number;
  readonly #segments: Segment[] = [];
  /** Appended but not yet written, in order. */
  readonly #pending: Pending[] = [];
  readonly #blocks = new Map<number, Buffer>();
  #end = 0;
  #written = 0;
  #writing: Promise<void> | undefined;
  #writeError: unknown;

  constructor(dir: string, recordsPerSegment = 1_000_000) {
    this.dir = dir;
    this.segmentSize = recordsPerSegment * TIMER_RECORD_SIZE;
  }

  /** Position the next record gets. */
  get end(): number {
    return this.#end;
  }

  /** Where the first retained record lies. */
  get start(): number {
    return this.#segments[0]?.start ?? this.#end;
  }

  /** Opens the segments and cuts a torn tail; returns the end position. */
  async open(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => /^\d{20}$/.test(n)).sort();
    for (const name of names) this.#segments.push({ start: Number(name), fh: await open(join(this.dir, name), 'r+') });
    const last = this.#segments.at(-1);
    if (last === undefined) return 0;
    let size = (await last.fh.stat()).size;
    size -= size % TIMER_RECORD_SIZE;
    // Walk back over records a crash left half-written.
    while (size > 0) {
      const buf = Buffer.alloc(TIMER_RECORD_SIZE);
      await last.fh.read(buf, 0, TIMER_RECORD_SIZE, size - TIMER_RECORD_SIZE);
      if (readTimerRecord(buf, 0) !== null) break;
      size -= TIMER_RECORD_SIZE;
    }
    await last.fh.truncate(size);
    this.#end = this.#written = last.start + size;
    return this.#end;
  }

  /** Appends a record; returns its position. */
  append(r: TimerRecord): number {
    if (this.#writeError !== undefined) throw this.#writeError;
    const pos = this.#end;
    let p = this.#pending.at(-1);
    const segEnd = Math.floor(pos / this.segmentSize) * this.segmentSize + this.segmentSize;
    if (p === undefined || p.sealed || p.len + TIMER_RECORD_SIZE > p.buf.length || p.start + p.len !== pos || pos + TIMER_RECORD_SIZE > segEnd) {
      p = { start: pos, buf: Buffer.allocUnsafe(Math.min(WRITE_CHUNK, segEnd - pos)), len: 0, sealed: false };
      this.#pending.push(p);
    }
    writeTimerRecord(p.buf, p.len, r);
    p.len += TIMER_RECORD_SIZE;
    this.#end = pos + TIMER_RECORD_SIZE;
    this.#kick();
    return pos;
  }

  /** Reads the record at `pos` (written or not). */
  async read(pos: number): Promise<TimerRecord | null> {
    for (const p of this.#pending) {
      if (pos >= p.start && pos < p.start + p.len) return readTimerRecord(p.buf, pos - p.start);
    }
    const seg = this.#segmentOf(pos);
    if (seg === undefined) return null;
    // Blocks are whole records from the segment's start, so no record straddles two.
    const blockStart = seg.start + Math.floor((pos - seg.start) / BLOCK) * BLOCK;
    let block = this.#blocks.get(blockStart);
    if (block === undefined || pos + TIMER_RECORD_SIZE > blockStart + block.length) {
      const want = Math.min(BLOCK, seg.start + this.segmentSize - blockStart, this.#written - blockStart);
      if (want <= 0) return null;
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await seg.fh.read(buf, 0, want, blockStart - seg.start);
      block = buf.subarray(0, bytesRead);
      this.#blocks.delete(blockStart);
      this.#blocks.set(blockStart, block);
      if (this.#blocks.size > CACHED_BLOCKS) {
        const oldest = this.#blocks.keys().next().value;
        if (oldest !== undefined) this.#blocks.delete(oldest);
      }
    }
    return readTimerRecord(block, pos - blockStart);
  }

  /** Reads records from `from` to the end, in order, calling `fn` with each and its position. */
  async scan(from: number, fn: (r: TimerRecord, pos: number) => void): Promise<void> {
    await this.scanBatches(from, (batch) => {
      for (const { rec, pos } of batch) fn(rec, pos);
    });
  }

  /**
   * Reads records from `from` to the end (or the first torn one) in batches of up to 1024,
   * awaiting `fn` for each batch before reading on, so memory stays one batch however long
   * the log is.
   */
  async scanBatches(from: number, fn: (batch: { rec: TimerRecord; pos: number }[]) => void | Promise<void>): Promise<void> {
    let pos = Math.max(from, this.start);
    pos -= pos % TIMER_RECORD_SIZE;
    const buf = Buffer.allocUnsafe(SCAN_BATCH * TIMER_RECORD_SIZE);
    while (pos < this.#written) {
      const seg = this.#segmentOf(pos);
      if (seg === undefined) {
        pos = Math.floor(pos / this.segmentSize + 1) * this.segmentSize;
        continue;
      }
      const want = Math.min(buf.length, seg.start + this.segmentSize - pos, this.#written - pos);
      const { bytesRead } = await seg.fh.read(buf, 0, want, pos - seg.start);
      if (bytesRead < TIMER_RECORD_SIZE) return;
      const batch: { rec: TimerRecord; pos: number }[] = [];
      let torn = false;
      for (let i = 0; i + TIMER_RECORD_SIZE <= bytesRead; i += TIMER_RECORD_SIZE) {
        const rec = readTimerRecord(buf, i);
        if (rec === null) {
          torn = true;
          break;
        }
        batch.push({ rec, pos: pos + i });
      }
      if (batch.length > 0) await fn(batch);
      if (torn) return;
      pos += bytesRead - (bytesRead % TIMER_RECORD_SIZE);
    }
  }

  /** Writes everything appended so far and makes it durable. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#writing !== undefined) {
      this.#kick();
      await this.#writing;
      if (this.#writeError !== undefined) throw this.#writeError;
    }
    await Promise.all(this.#segments.slice(-2).map((s) => s.fh.datasync()));
  }

  /** Deletes whole segments that end at or before `pos` (all their records are delivered). */
  async deleteBefore(pos: number): Promise<number> {
    let n = 0;
    while (this.#segments.length > 1) {
      const first = this.#segments[0];
      if (first === undefined || first.start + this.segmentSize > pos) break;
      this.#segments.shift();
      await first.fh.close();
      await unlink(join(this.dir, segmentName(first.start)));
      for (const k of [...this.#blocks.keys()]) if (k < first.start + this.segmentSize) this.#blocks.delete(k);
      n++;
    }
    return n;
  }

  /** Last-modified time of each segment but the newest, oldest first. */
  async segmentTimes(): Promise<{ start: number; end: number; mtimeMs: number }[]> {
    const out = [];
    for (const s of this.#segments.slice(0, -1)) {
      out.push({ start: s.start, end: s.start + this.segmentSize, mtimeMs: (await stat(join(this.dir, segmentName(s.start)))).mtimeMs });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    for (const s of this.#segments.splice(0)) await s.fh.close();
  }

  #kick(): void {
    if (this.#writing !== undefined || this.#pending.length === 0) return;
    this.#writing = this.#drain()
      .catch((err: unknown) => {
        this.#writeError = err;
      })
      .finally(() => {
        this.#writing = undefined;
      });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const p = this.#pending[0];
      if (p === undefined) return;
      // Sealed: later appends start a new chunk, so this one can be written as it is.
      p.sealed = true;
      const seg = await this.#segmentFor(p.start);
      await seg.fh.write(p.buf, 0, p.len, p.start - seg.start);
      this.#written = p.start + p.len;
      this.#pending.shift();
    }
  }

  #segmentOf(pos: number): Segment | undefined {
    const start = Math.floor(pos / this.segmentSize) * this.segmentSize;
    return this.#segments.find((s) => s.start === start);
  }

  async #segmentFor(pos: number): Promise<Segment> {
    const existing = this.#segmentOf(pos);
    if (existing !== undefined) return existing;
    const start = Math.floor(pos / this.segmentSize) * this.segmentSize;
    // Every segment on disk was opened by open(), so this one is new.
    const seg = { start, fh: await open(join(this.dir, segmentName(start)), 'w+') };
    this.#segments.push(seg);
    return seg;
  }
}

function segmentName(start: number): string {
  return String(start).padStart(20, '0');
}
