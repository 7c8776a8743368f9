// Where an unclean start begins checking the commit log: the newest checkpointed offset that
// lies at least `bytes` below the current one. Checkpointed offsets are where a write or a
// dispatch stopped, so a record starts at each. Damage to flushed records in that window stops
// the start (STORE_CORRUPTED) instead of being served; below it the log is trusted, and the
// page cache there may be dropped (drop-behind keeps from here).
/** Marks are at least this fraction of the window apart, so at most about 33 are kept. */
const MARK_SPACING = 32;

export class VerifyWindow {
  private readonly marks: number[];

  /** start: a record boundary at or below the log end when the store started. */
  constructor(
    private readonly bytes: number,
    start: number,
  ) {
    this.marks = [start];
  }

  /** The current start of the window. */
  get from(): number {
    return this.marks[0] as number;
  }

  /**
   * Records a new checkpoint's oldest offset; returns where checks start now. The window is
   * at least `bytes` wide once that much was written, and at most `bytes` plus 1/32 of it
   * plus one checkpoint's progress.
   */
  advance(oldest: number): number {
    const m = this.marks;
    if (oldest - (m[m.length - 1] as number) >= Math.max(1, this.bytes / MARK_SPACING)) m.push(oldest);
    while (m.length > 1 && (m[1] as number) <= oldest - this.bytes) m.shift();
    return m[0] as number;
  }
}
