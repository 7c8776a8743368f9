// Periodically writes the consume queues and the index to disk, then the checkpoint that
// says how far each is durable (RocketMQ's FlushConsumeQueueService and checkpoint flush).
import type { Logger } from '@contrail/common';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueueStore } from './consume-queue-store.js';
import type { IndexService } from './index-service.js';
import type { ReputDispatcher } from './reput-dispatcher.js';
import { oldestOffset, type CheckpointData, type StoreCheckpoint } from './store-checkpoint.js';
import type { VerifyWindow } from './verify-window.js';

export class LogicsFlushService {
  /** Called after each checkpoint write with what it says. */
  onCheckpoint: (cp: CheckpointData) => void = () => undefined;
  /** Gives each checkpoint its verifyFrom (set once recovery knows the log). */
  verify: VerifyWindow | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastDispatchedTimestamp = 0;

  constructor(
    private readonly log: CommitLog,
    private readonly queues: ConsumeQueueStore,
    private readonly index: IndexService,
    private readonly reput: ReputDispatcher,
    private readonly checkpoint: StoreCheckpoint,
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.logger.error({ err }, 'consume-queue/index flush failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Flushes consume queues and index, then records the new durable offsets. */
  flush(): Promise<void> {
    const prev = this.running ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.once());
    this.running = next.finally(() => {
      if (this.running === next) this.running = undefined;
    });
    return next;
  }

  private async once(): Promise<void> {
    // Captured first: everything below these offsets is in memory now and on disk after.
    const logics = this.reput.dispatchedOffset;
    const indexed = this.index.dispatchedThrough;
    const physic = this.log.flushedOffset;
    const physicTs = this.log.lastWrittenTimestamp;
    if (logics >= this.log.writtenOffset) this.lastDispatchedTimestamp = physicTs;
    const logicsTs = this.lastDispatchedTimestamp;
    await this.queues.flush(this.now());
    await this.index.flush();
    const cp: CheckpointData = {
      physicMsgTimestamp: physicTs,
      logicsMsgTimestamp: logicsTs,
      indexMsgTimestamp: logicsTs,
      physicOffset: physic,
      logicsOffset: logics,
      indexOffset: indexed,
    };
    if (this.verify !== undefined) cp.verifyFrom = this.verify.advance(oldestOffset(cp));
    await this.checkpoint.write(cp);
    this.onCheckpoint(cp);
  }
}
