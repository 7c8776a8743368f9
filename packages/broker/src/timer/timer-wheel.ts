// The timing wheel (storePathRootDir/timerwheel/wheel): one fixed-size slot per precision
// step, covering more than the longest delay, so slot i holds the records due in
// [timeMs, timeMs + precision) for exactly one timeMs at a time. A slot names the newest
// record of that time in the timer log; records chain back through prevPos.
//
//   slot: TIME_MS i64 (0: empty) | LAST_POS i64 | NUM i32 | RESERVED i32
//
// Only slots in use are held in memory (a bounded cache); changed slots are written back by
// flush(), after the timer log records they name are written.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readLong, writeLong } from '@contrail/common';

export const SLOT_SIZE = 24;
const MAX_CLEAN_CACHED = 65_536;

export interface Slot {
  timeMs: number;
  lastPos: number;
  num: number;
}

export class TimerWheel {
  readonly slotsTotal: number;
  readonly precisionMs: number;
  readonly #path: string;
  readonly #cache = new Map<number, Slot>();
  readonly #dirty = new Set<number>();
  readonly #loading = new Map<number, Promise<void>>();
  #fh: FileHandle | undefined;

  constructor(dir: string, slotsTotal: number, precisionMs: number) {
    this.#path = join(dir, 'wheel');
    this.slotsTotal = slotsTotal;
    this.precisionMs = precisionMs;
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    await (await open(this.#path, 'a')).close();
    const fh = await open(this.#path, 'r+');
    this.#fh = fh;
    // A sparse file: slots never written read as zeros (empty).
    if ((await fh.stat()).size < this.slotsTotal * SLOT_SIZE) await fh.truncate(this.slotsTotal * SLOT_SIZE);
  }

  /** Start of the slot that `timeMs` falls in. */
  slotTime(timeMs: number): number {
    return Math.floor(timeMs / this.precisionMs) * this.precisionMs;
  }

  #index(slotTime: number): number {
    return Math.floor(slotTime / this.precisionMs) % this.slotsTotal;
  }

  /** Loads the slots of these times into memory (one read per run of neighbours). */
  async load(slotTimes: Iterable<number>): Promise<void> {
    const want = new Set<number>();
    for (const t of slotTimes) {
      const i = this.#index(t);
      if (!this.#cache.has(i)) want.add(i);
    }
    const waits: Promise<void>[] = [];
    for (const i of want) {
      const inFlight = this.#loading.get(i);
      if (inFlight !== undefined) waits.push(inFlight);
    }
    const todo = [...want].filter((i) => !this.#loading.has(i)).sort((a, b) => a - b);
    let k = 0;
    while (k < todo.length) {
      const first = todo[k] ?? 0;
      let last = first;
      while (k + 1 < todo.length && (todo[k + 1] ?? 0) - last <= 64 && (todo[k + 1] ?? 0) - first < 4096) last = todo[++k] ?? last;
      k++;
      const p = this.#readRange(first, last);
      for (let i = first; i <= last; i++) if (want.has(i)) this.#loading.set(i, p);
      waits.push(p);
    }
    await Promise.all(waits);
  }

  /** Loads `count` consecutive slots from `slotTime` on (the dequeue's read-ahead). */
  loadAhead(slotTime: number, count: number): Promise<void> {
    const times: number[] = [];
    for (let n = 0; n < count; n++) times.push(slotTime + n * this.precisionMs);
    return this.load(times);
  }

  /** The slot for `slotTime` if it is loaded; an empty slot when it holds another time. */
  peek(slotTime: number): Slot | undefined {
    const s = this.#cache.get(this.#index(slotTime));
    if (s === undefined) return undefined;
    return s.timeMs === slotTime ? s : { timeMs: slotTime, lastPos: -1, num: 0 };
  }

  /** Sets a loaded slot; written back by the next flush. */
  set(slotTime: number, lastPos: number, num: number): void {
    const i = this.#index(slotTime);
    this.#cache.set(i, { timeMs: slotTime, lastPos, num });
    this.#dirty.add(i);
  }

  /** Drops clean slots the dequeue has passed, so the cache stays a window. */
  forget(slotTime: number): void {
    const i = this.#index(slotTime);
    if (!this.#dirty.has(i)) this.#cache.delete(i);
  }

  /** Copies of the changed slots, for writing after the timer log is durable. */
  takeDirty(): Map<number, Slot> {
    const out = new Map<number, Slot>();
    for (const i of this.#dirty) {
      const s = this.#cache.get(i);
      if (s !== undefined) out.set(i, { ...s });
    }
    this.#dirty.clear();
    return out;
  }

  /** Writes slots taken by takeDirty() and makes them durable; trims the cache. */
  async write(slots: Map<number, Slot>): Promise<void> {
    const fh = this.#fh;
    if (fh === undefined) return;
    const sorted = [...slots.keys()].sort((a, b) => a - b);
    let k = 0;
    while (k < sorted.length) {
      const first = sorted[k] ?? 0;
      let last = first;
      while (k + 1 < sorted.length && (sorted[k + 1] ?? 0) === last + 1) last = sorted[++k] ?? last;
      k++;
      const buf = Buffer.alloc((last - first + 1) * SLOT_SIZE);
      for (let i = first; i <= last; i++) {
        const s = slots.get(i);
        if (s !== undefined) encodeSlot(buf, (i - first) * SLOT_SIZE, s);
      }
      await fh.write(buf, 0, buf.length, first * SLOT_SIZE);
    }
    if (sorted.length > 0) await fh.datasync();
    this.#trim();
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
  }

  async #readRange(first: number, last: number): Promise<void> {
    const fh = this.#fh;
    try {
      if (fh === undefined) throw new Error('timer wheel is not open');
      const buf = Buffer.alloc((last - first + 1) * SLOT_SIZE);
      await fh.read(buf, 0, buf.length, first * SLOT_SIZE);
      for (let i = first; i <= last; i++) {
        // A slot changed while it was being read is newer in memory than on disk.
        if (!this.#cache.has(i)) this.#cache.set(i, decodeSlot(buf, (i - first) * SLOT_SIZE));
      }
    } finally {
      for (let i = first; i <= last; i++) this.#loading.delete(i);
    }
  }

  #trim(): void {
    if (this.#cache.size <= MAX_CLEAN_CACHED) return;
    for (const i of this.#cache.keys()) {
      if (this.#cache.size <= MAX_CLEAN_CACHED / 2) break;
      if (!this.#dirty.has(i) && !this.#loading.has(i)) this.#cache.delete(i);
    }
  }
}

function encodeSlot(buf: Buffer, pos: number, s: Slot): void {
  writeLong(buf, s.timeMs, pos);
  writeLong(buf, s.lastPos, pos + 8);
  buf.writeInt32BE(s.num, pos + 16);
  buf.writeInt32BE(0, pos + 20);
}

function decodeSlot(buf: Buffer, pos: number): Slot {
  const timeMs = readLong(buf, pos);
  if (timeMs === 0) return { timeMs: 0, lastPos: -1, num: 0 };
  return { timeMs, lastPos: readLong(buf, pos + 8), num: buf.readInt32BE(pos + 16) };
}
