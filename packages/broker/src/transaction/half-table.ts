// The half messages not yet finished, by half-queue offset, and the restart point derived from
// them. Memory grows with unfinished transactions only: a finished one leaves the table.
//
// Restart point: (halfOffset, opOffset) such that every half message below halfOffset is
// finished and every op record about a half message at or above halfOffset lies at or above
// opOffset. Each entry remembers the op queue's end when it was stored (opMark); since an op
// record is always written after its half message, the oldest entry's opMark is a safe opOffset.

export interface HalfEntry {
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly storeTimestamp: number;
  checkTimes: number;
  /** The op queue's end offset when this half message was stored (or a smaller, safe value). */
  readonly opMark: number;
  /** A commit, rollback or discard is under way: checks and other ends leave it alone. */
  busy: boolean;
}

export interface RestartPoint {
  halfOffset: number;
  opOffset: number;
}

export class HalfTable {
  readonly #entries = new Map<number, HalfEntry>();
  /** Half messages being stored: their offsets are not known yet, only lower bounds. */
  readonly #storing = new Map<number, RestartPoint>();
  #nextToken = 0;

  get size(): number {
    return this.#entries.size;
  }

  add(e: Omit<HalfEntry, 'busy'>): void {
    this.#entries.set(e.queueOffset, { ...e, busy: false });
  }

  get(queueOffset: number): HalfEntry | undefined {
    return this.#entries.get(queueOffset);
  }

  delete(queueOffset: number): void {
    this.#entries.delete(queueOffset);
  }

  /** Entries in half-queue order (the order they were stored, so oldest first). */
  sorted(): HalfEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.queueOffset - b.queueOffset);
  }

  /** A half message is about to be stored while the queues end at these offsets. */
  beginStoring(halfEnd: number, opEnd: number): number {
    const token = ++this.#nextToken;
    this.#storing.set(token, { halfOffset: halfEnd, opOffset: opEnd });
    return token;
  }

  endStoring(token: number): void {
    this.#storing.delete(token);
  }

  /** Where a restart must resume, given the current ends of the half and op queues. */
  restartPoint(halfEnd: number, opEnd: number): RestartPoint {
    const p = { halfOffset: halfEnd, opOffset: opEnd };
    const lower = (halfOffset: number, opOffset: number): void => {
      if (halfOffset < p.halfOffset) p.halfOffset = halfOffset;
      if (opOffset < p.opOffset) p.opOffset = opOffset;
    };
    for (const e of this.#entries.values()) lower(e.queueOffset, e.opMark);
    for (const s of this.#storing.values()) lower(s.halfOffset, s.opOffset);
    return p;
  }
}
