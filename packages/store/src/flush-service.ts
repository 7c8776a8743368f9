// Makes written commit-log bytes durable. ASYNC_FLUSH: fdatasync on a timer. SYNC_FLUSH:
// fdatasync as soon as a write lands, one at a time, so every append that arrives while one
// is running shares the next (group commit).
import type { Logger } from '@contrail/common';
import type { CommitLog } from './commit-log.js';
import type { FlushDiskType } from './message-store.js';

export class FlushService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Called after each fdatasync with the new flushed offset. */
  onFlushed: (flushedOffset: number) => void = () => undefined;

  constructor(
    private readonly log: CommitLog,
    private readonly mode: FlushDiskType,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.mode === 'ASYNC_FLUSH') {
      this.timer = setInterval(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Flushes everything written so far; concurrent calls share the running flush plus one more. */
  flush(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const target = this.log.writtenOffset;
      const from = this.log.flushedOffset;
      if (target <= from) continue;
      try {
        for (const seg of this.log.segments.segments) {
          if (seg.end > from && seg.start < target && !seg.isDestroyed) await seg.sync();
        }
      } catch (err) {
        // The kernel may have dropped the dirty pages: nothing after this point can be promised.
        this.logger.error({ err }, 'commit log fdatasync failed');
        this.log.failed = err instanceof Error ? err : new Error(String(err));
        this.log.onFailure(this.log.failed);
        return;
      }
      if (target > this.log.flushedOffset) this.log.flushedOffset = target;
      if (this.mode === 'SYNC_FLUSH') this.log.groupFlushed(target - from);
      this.onFlushed(target);
    } while (this.again);
  }
}
