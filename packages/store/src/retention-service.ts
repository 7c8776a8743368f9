// Deletes old commit-log segments: at the deleteWhen hour those older than fileReservedTime,
// at any hour the oldest ones while disk use is above diskMaxUsedSpaceRatio. Consume-queue
// files and index files whose records are gone follow.
import { statfs } from 'node:fs/promises';
import type { Logger } from '@contrail/common';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueueStore } from './consume-queue-store.js';
import type { IndexService } from './index-service.js';
import type { ResolvedStoreConfig } from './store-config.js';

/** Segments deleted per run at most (RocketMQ's DELETE_FILES_BATCH_MAX). */
const BATCH_MAX = 10;

export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly hours: Set<number>;

  constructor(
    private readonly cfg: ResolvedStoreConfig,
    private readonly log: CommitLog,
    private readonly queues: ConsumeQueueStore,
    private readonly index: IndexService,
    private readonly logger: Logger,
  ) {
    this.hours = new Set(cfg.deleteWhen.split(';').map(Number));
  }

  start(): void {
    this.timer = setInterval(() => {
      this.runOnce().catch((err: unknown) => this.logger.error({ err }, 'retention run failed'));
    }, this.cfg.cleanResourceInterval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; resolves with the number of commit-log segments deleted. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async wait(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async diskUsed(): Promise<number> {
    if (this.cfg.diskUsedRatio !== undefined) return this.cfg.diskUsedRatio();
    const s = await statfs(this.cfg.storePathRootDir);
    return s.blocks === 0 ? 0 : ((s.blocks - s.bfree) / s.blocks) * 100;
  }

  private async pass(): Promise<number> {
    const now = this.cfg.now();
    const timeUp = this.hours.has(new Date(now).getHours());
    let spaceFull = (await this.diskUsed()) > this.cfg.diskMaxUsedSpaceRatio;
    if (!timeUp && !spaceFull) return 0;
    const keepMs = this.cfg.fileReservedTime * 3_600_000;
    let deleted = 0;
    while (deleted < BATCH_MAX) {
      const segs = this.log.segments.segments;
      const first = segs[0];
      // Never the newest segment, nor one whose bytes are not yet durable and dispatched.
      if (first === undefined || segs.length < 2 || first.end > this.log.flushedOffset) break;
      const expired = now >= first.lastModified + keepMs;
      if (!(spaceFull || (timeUp && expired))) break;
      this.logger.info({ file: first.path, expired, spaceFull }, 'deleting commit-log segment');
      await this.log.segments.dropFirst(1);
      deleted++;
      if (spaceFull && !expired) spaceFull = (await this.diskUsed()) > this.cfg.diskMaxUsedSpaceRatio;
    }
    if (deleted > 0) {
      const minPhy = this.log.minOffset;
      await this.queues.deleteExpired(minPhy);
      await this.index.deleteExpired(minPhy);
    }
    return deleted;
  }
}
