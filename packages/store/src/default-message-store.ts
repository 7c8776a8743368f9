// The file-backed MessageStore: wires the commit log, flush, reput, consume queues, index,
// checkpoint, recovery and retention together and answers the broker's calls.
import { existsSync } from 'node:fs';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, decodeRecord, syncCreatedDirs, type Logger } from '@contrail/common';
import { AppendWaiters } from './append-waiters.js';
import { CommitLog } from './commit-log.js';
import { recoverStore } from './store-recovery.js';
import { VerifyWindow } from './verify-window.js';
import { ConsumeQueueStore } from './consume-queue-store.js';
import { FlushService } from './flush-service.js';
import { DropBehind, nativeHelper, warnNoHelper } from './page-cache.js';
import { IndexService } from './index-service.js';
import { LogicsFlushService } from './logics-flush-service.js';
import type {
  ArriveListener,
  GetMessageResult,
  MessageStore,
  MessageStoreConfig,
  PutMessageInput,
  PutMessageResult,
  PutMessageStatus,
  QueryMessageResult,
  StoreStats,
  TagsCodeFilter,
} from './message-store.js';
import { pullMessages, searchOffsetByTime } from './pull-scan.js';
import { blankPrepared, isPrepareFailure, RecordEncoder, type PreparedRecord } from './record-encoder.js';
import { RetentionService } from './retention-service.js';
import { ReputDispatcher } from './reput-dispatcher.js';
import type { DispatchRequest } from './dispatch-request.js';
import { SegmentQueue } from './segment-queue.js';
import { StoreCheckpoint } from './store-checkpoint.js';
import { resolveStoreConfig, type ResolvedStoreConfig } from './store-config.js';
import { entryPhy, entrySize } from './consume-queue.js';
import { matchesKey } from './query-match.js';

type State = 'new' | 'running' | 'stopping' | 'stopped';

/** statfs f_type values of file systems where mapped writes are used: ext2/3/4, XFS, tmpfs. */
export const MAPPED_WRITE_FS_TYPES: ReadonlySet<number> = new Set([0xef53, 0x58465342, 0x01021994]);

export class DefaultMessageStore implements MessageStore {
  readonly config: ResolvedStoreConfig;
  readonly commitLog: CommitLog;
  readonly consumeQueues: ConsumeQueueStore;
  readonly index: IndexService;
  readonly retention: RetentionService;
  private readonly logger: Logger;
  private readonly encoder: RecordEncoder;
  private readonly reput: ReputDispatcher;
  private readonly waiters: AppendWaiters;
  /** putMessage's prepared record and the array it is passed in. */
  private readonly one: [PreparedRecord] = [blankPrepared()];
  /** Where appends hand their dispatch requests. */
  private readonly toReput: (r: DispatchRequest) => void;
  private readonly flusher: FlushService;
  private readonly dropBehind: DropBehind | undefined;
  private readonly checkpoint: StoreCheckpoint;
  private readonly logics: LogicsFlushService;
  private state: State = 'new';
  /** Records the last start re-dispatched from the commit log (stats()). */
  private replayed = 0;
  private readonly counts = {
    putMessageTimes: 0,
    putMessageBytes: 0,
    putMessageFailedTimes: 0,
    getMessageTimes: 0,
    getMessageFoundTimes: 0,
    getMessageTransferredMsgCount: 0,
  };

  constructor(config: MessageStoreConfig) {
    const cfg = resolveStoreConfig(config);
    this.config = cfg;
    this.logger = createLogger('store');
    const root = cfg.storePathRootDir;
    // Body CRCs for a whole write in one native call; inline (zlib's crc32 per record) without
    // the helper, or when the whole-record CRC, which covers BODYCRC, is computed at encoding.
    const helper = nativeHelper();
    const fillBodyCrcs = cfg.enabledAppendPropCRC ? undefined : helper?.fillBodyCrcs;
    this.encoder = new RecordEncoder(cfg.storeHost, cfg.maxMessageSize, cfg.delayLevels, cfg.enabledAppendPropCRC, fillBodyCrcs === undefined);
    const segments = new SegmentQueue(join(root, 'commitlog'), cfg.mappedFileSizeCommitLog);
    const sleeps = helper?.threadSleeps;
    // -1: the platform has no per-thread count; the process's is used then.
    const threadSleeps = sleeps !== undefined && sleeps() >= 0 ? sleeps : undefined;
    const mapped =
      cfg.flushDiskType === 'ASYNC_FLUSH' && cfg.mappedWrites && helper?.mapShared !== undefined && helper.zeroFill !== undefined && helper.dontNeed !== undefined
        ? { mapShared: helper.mapShared, zeroFill: helper.zeroFill, dontNeed: helper.dontNeed }
        : undefined;
    // With ASYNC_FLUSH the zeros ahead are there for mapped writes: without those, only when asked for.
    const zeroAhead = cfg.flushDiskType === 'ASYNC_FLUSH' && mapped === undefined && config.zeroAheadBytes === undefined ? 0 : cfg.zeroAheadBytes;
    this.commitLog = new CommitLog(segments, this.encoder, cfg.hotTailBytes, cfg.now, { fillBodyCrcs, threadSleeps, mapped }, zeroAhead, (err) =>
      this.logger.warn({ err }, 'writing zeros ahead of the commit log failed; appends go on into unwritten space'),
    );
    this.consumeQueues = new ConsumeQueueStore(join(root, 'consumequeue'), cfg.mappedFileSizeConsumeQueue, cfg.consumeQueueTailEntries);
    this.index = new IndexService(join(root, 'index'), cfg.maxHashSlotNum, cfg.maxIndexNum, this.logger);
    this.reput = new ReputDispatcher(this.consumeQueues, this.index, this.logger);
    const reput = this.reput;
    this.toReput = (r) => reput.push(r);
    const encoder = this.encoder;
    reput.onDispatched = (r) => encoder.recycle(r);
    this.waiters = new AppendWaiters(cfg.syncFlushTimeout);
    this.flusher = new FlushService(this.commitLog, cfg.flushDiskType, cfg.flushIntervalCommitLog, this.logger);
    this.checkpoint = new StoreCheckpoint(join(root, 'checkpoint'));
    this.logics = new LogicsFlushService(
      this.commitLog,
      this.consumeQueues,
      this.index,
      this.reput,
      this.checkpoint,
      cfg.now,
      cfg.flushIntervalConsumeQueue,
      this.logger,
    );
    this.retention = new RetentionService(cfg, this.commitLog, this.consumeQueues, this.index, this.logger);

    const sync = cfg.flushDiskType === 'SYNC_FLUSH';
    this.commitLog.onWritten = (written) => {
      if (sync) {
        void this.flusher.flush();
      } else {
        this.reput.advance(written);
        this.waiters.resolveUpTo(written);
      }
    };
    const native = cfg.dropPageCacheBehind ? helper : null;
    const dropBehind = native === null ? undefined : new DropBehind(this.commitLog.segments, native, cfg.pageCacheKeepBytes, this.logger, () => this.commitLog.mappedFrom);
    this.dropBehind = dropBehind;
    if (dropBehind !== undefined) {
      // Older records are no longer in the page cache: they get the from-disk pull limits.
      cfg.pullLimits.inMemoryBytes = Math.min(cfg.pullLimits.inMemoryBytes, cfg.pageCacheKeepBytes);
      // Nothing below the start of what a start after a crash checks (verify-window.ts).
      this.logics.onCheckpoint = (cp) => dropBehind.keepFrom(cp.verifyFrom ?? 0);
    }
    // Without the helper the CRCs come from zlib and no pages are dropped: said once on Linux,
    // where `npm ci` builds it when it can.
    if (helper === null && process.platform === 'linux') warnNoHelper(this.logger);
    this.flusher.onFlushed = (flushed) => {
      dropBehind?.flushed(flushed);
      if (sync) {
        this.reput.advance(flushed);
        this.waiters.resolveUpTo(flushed);
      }
    };
    if (this.commitLog.mappings !== undefined) {
      this.commitLog.mappings.onOff = (reason) => this.logger.warn({ reason }, 'mapped writes off: appends are written from memory chunks (docs/storage.md)');
    }
    this.commitLog.onFailure = (err) => {
      this.logger.error({ err }, 'commit log write failed; the store stops taking messages');
      this.reput.dropPending();
      this.waiters.failAll('UNKNOWN_ERROR', err.message);
    };
  }

  /**
   * Mapped writes only where overwriting zeroed blocks needs no new space (a full disk must not
   * turn into a SIGBUS in the middle of a record): ext2/3/4, XFS and tmpfs. Copy-on-write file
   * systems (btrfs, ZFS, bcachefs) and network or FUSE ones get memory chunks.
   */
  private async checkMappedWrites(): Promise<void> {
    let type = -1;
    try {
      type = Number((await statfs(join(this.config.storePathRootDir, '.'))).type);
    } catch {
      // Unknown: treated as not known to be safe.
    }
    if (!MAPPED_WRITE_FS_TYPES.has(type)) this.commitLog.mappings?.stop(`file system type 0x${(type >>> 0).toString(16)} is not one where overwrites need no new space`);
  }

  private get abortPath(): string {
    return join(this.config.storePathRootDir, 'abort');
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`store already ${this.state}`);
    const firstNew = await mkdir(this.config.storePathRootDir, { recursive: true });
    if (this.commitLog.mappings !== undefined) await this.checkMappedWrites();
    const unclean = existsSync(this.abortPath);
    const { end, verifyFrom, replayed } = await recoverStore({
      config: this.config,
      unclean,
      checkpoint: this.checkpoint,
      commitLog: this.commitLog,
      queues: this.consumeQueues,
      index: this.index,
      reput: this.reput,
      logger: this.logger,
    });
    this.replayed = replayed;
    this.commitLog.reset(end);
    this.logics.verify = new VerifyWindow(this.config.recoveryCheckBytes, verifyFrom);
    this.dropBehind?.startAt(end);
    this.reput.dispatchedOffset = end;
    this.index.advanceTo(end);
    // The directories recovery created (commitlog/, consumequeue/, index/, and the root on a
    // first start) durable before anything in them is promised.
    await syncCreatedDirs(this.config.storePathRootDir, firstNew);
    await writeFile(this.abortPath, String(process.pid));
    // The recovered state is what later crashes recover from.
    await this.logics.flush();
    this.flusher.start();
    this.logics.start();
    this.retention.start();
    this.state = 'running';
    this.logger.info({ root: this.config.storePathRootDir, unclean, end, minPhyOffset: this.commitLog.minOffset }, 'message store started');
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.retention.stop();
    this.logics.stop();
    this.flusher.stop();
    await this.commitLog.drain();
    await this.commitLog.stopZeroAhead();
    await this.flusher.flush();
    await this.flusher.flush();
    await this.retention.wait();
    const failed = this.commitLog.failed !== undefined;
    if (!failed) await this.logics.flush();
    this.waiters.failAll('SERVICE_NOT_AVAILABLE', 'store shut down');
    this.waiters.stop();
    await this.consumeQueues.close();
    await this.index.close();
    await this.commitLog.segments.closeAll();
    await this.checkpoint.close();
    if (!failed) await rm(this.abortPath, { force: true });
    this.state = 'stopped';
  }

  putMessage(m: PutMessageInput): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.resolve(refused);
    const one = this.one;
    const p = this.encoder.prepare(m, one[0]);
    if (isPrepareFailure(p)) return Promise.resolve(this.failed(p.status, p.remark));
    // The record is encoded before this returns, so one scratch record and array serve every
    // call (the record keeps the last message until the next one).
    return this.appendPrepared(one, m);
  }

  putMessages(items: PutMessageInput[]): Promise<PutMessageResult> {
    const first = items[0];
    if (first === undefined) return Promise.resolve(this.failed('MESSAGE_ILLEGAL', 'empty batch'));
    const refused = this.refusal();
    if (refused !== undefined) return Promise.resolve(refused);
    const prepared: PreparedRecord[] = [];
    for (const m of items) {
      if (m.topic !== first.topic || m.queueId !== first.queueId) {
        return Promise.resolve(this.failed('MESSAGE_ILLEGAL', 'a batch must go to one topic and queue'));
      }
      const p = this.encoder.prepare(m);
      if (isPrepareFailure(p)) return Promise.resolve(this.failed(p.status, p.remark));
      prepared.push(p);
    }
    return this.appendPrepared(prepared, first);
  }

  /** Why the store takes no appends now, or undefined when it does. */
  private refusal(): PutMessageResult | undefined {
    if (this.state !== 'running' || this.commitLog.failed !== undefined) {
      return this.failed('SERVICE_NOT_AVAILABLE', `store is ${this.commitLog.failed ? 'failed' : this.state}`);
    }
    if (this.commitLog.pendingWriteBytes > this.config.maxPendingWriteBytes) {
      return this.failed('OS_PAGE_CACHE_BUSY', 'too many bytes waiting to be written');
    }
    return undefined;
  }

  /** Appends records of one topic and queue (first is the first one's input). */
  private appendPrepared(prepared: readonly PreparedRecord[], first: PutMessageInput): Promise<PutMessageResult> {
    const now = this.config.now();
    const storeTimestamp = first.storeTimestamp ?? now;
    const firstQueueOffset = this.consumeQueues.nextOffset(first.topic, first.queueId);
    if (!this.commitLog.append(prepared, firstQueueOffset, storeTimestamp, this.toReput, now)) {
      return Promise.resolve(this.failed('MESSAGE_ILLEGAL', 'the message does not fit in a commit-log segment'));
    }
    const out = this.commitLog.last;
    const dispatched = out.dispatched;
    if (dispatched > 0) this.consumeQueues.setNextOffset(first.topic, first.queueId, firstQueueOffset + dispatched);
    const msgId = prepared.length === 1 ? this.encoder.msgId(out.physicalOffset) : this.encoder.msgIds(out.physicalOffset, prepared);
    this.counts.putMessageTimes += prepared.length;
    this.counts.putMessageBytes += out.wroteBytes;
    return this.waiters.add(out.end, {
      status: 'PUT_OK',
      physicalOffset: out.physicalOffset,
      wroteBytes: out.wroteBytes,
      queueOffset: dispatched > 0 ? firstQueueOffset : 0,
      msgId,
      storeTimestamp,
      msgNum: prepared.length,
    });
  }

  async getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: TagsCodeFilter,
    maxBytes?: number,
    lease = false,
  ): Promise<GetMessageResult> {
    this.counts.getMessageTimes++;
    const held = lease ? this.commitLog.hot.lease() : undefined;
    const r = await pullMessages(this.consumeQueues.find(topic, queueId), this.commitLog, offset, maxMsgNums, filter, maxBytes, this.config.pullLimits, held);
    if (held !== undefined && held.size > 0) r.release = held.release;
    if (r.status === 'FOUND') {
      this.counts.getMessageFoundTimes++;
      this.counts.getMessageTransferredMsgCount += r.messageCount;
    }
    return r;
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.minOffset ?? 0;
  }

  async getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const cq = this.consumeQueues.find(topic, queueId);
    if (cq === undefined || cq.maxOffset === 0) return 0;
    return searchOffsetByTime(cq.minOffset, cq.maxOffset, timestamp, (o) => this.timeAt(topic, queueId, o));
  }

  async getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const cq = this.consumeQueues.find(topic, queueId);
    if (cq === undefined || cq.minOffset >= cq.maxOffset) return -1;
    return this.timeAt(topic, queueId, cq.minOffset);
  }

  async getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): Promise<number> {
    const cq = this.consumeQueues.find(topic, queueId);
    if (cq === undefined || consumeQueueOffset < cq.minOffset || consumeQueueOffset >= cq.maxOffset) return 0;
    const e = await cq.entries(consumeQueueOffset, 1);
    return e === null || entrySize(e.buf, 0) <= 0 ? 0 : entryPhy(e.buf, 0);
  }

  lookMessageByOffset(physicalOffset: number): Promise<Buffer | null> {
    if (physicalOffset >= this.reput.dispatchedOffset) return Promise.resolve(null);
    return this.commitLog.readRecord(physicalOffset);
  }

  async queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> {
    const buffers: Buffer[] = [];
    // Ask for more than maxNum: key-hash collisions are filtered out below.
    const candidates = await this.index.lookup(topic, key, Math.max(64, maxNum * 4), begin, end);
    for (const phy of candidates) {
      if (buffers.length >= maxNum) break;
      const rec = await this.lookMessageByOffset(phy);
      if (rec === null) continue;
      try {
        if (matchesKey(decodeRecord(rec, 0), topic, key, begin, end)) buffers.push(rec);
      } catch {
        // not a readable record: skip
      }
    }
    return {
      buffers,
      indexLastUpdateTimestamp: this.index.lastUpdateTimestamp,
      indexLastUpdatePhyoffset: this.index.dispatchedThrough,
    };
  }

  onArrive(listener: ArriveListener): () => void {
    return this.reput.onArrive(listener);
  }

  async deleteTopics(topics: Iterable<string>): Promise<void> {
    for (const t of topics) await this.consumeQueues.deleteTopic(t);
  }

  getMaxPhyOffset(): number {
    return this.commitLog.maxOffset;
  }

  getMinPhyOffset(): number {
    return this.commitLog.minOffset;
  }

  stats(): StoreStats {
    return {
      ...this.counts,
      minPhyOffset: this.commitLog.minOffset,
      maxPhyOffset: this.commitLog.maxOffset,
      writtenPhyOffset: this.commitLog.writtenOffset,
      flushedPhyOffset: this.commitLog.flushedOffset,
      dispatchedPhyOffset: this.reput.dispatchedOffset,
      consumeQueues: this.consumeQueues.size,
      hotTailBytes: this.commitLog.hot.size,
      hotTailRecycledChunks: this.commitLog.hot.recycled,
      mappedWriteBytes: this.commitLog.mappedWriteBytes,
      pageCacheDroppedBytes: this.dropBehind?.droppedBytes ?? -1,
      recoveryReplayedRecords: this.replayed,
    };
  }

  /** Writes and fdatasyncs everything appended so far, then consume queues, index and checkpoint. */
  async flush(): Promise<void> {
    await this.commitLog.drain();
    await this.flusher.flush();
    await this.flusher.flush();
    await this.logics.flush();
  }

  private async timeAt(topic: string, queueId: number, offset: number): Promise<number> {
    const cq = this.consumeQueues.find(topic, queueId);
    const e = await cq?.entries(offset, 1);
    if (e === undefined || e === null || entrySize(e.buf, 0) <= 0) return -1;
    return this.commitLog.readStoreTimestamp(entryPhy(e.buf, 0));
  }

  private failed(status: PutMessageStatus, remark: string): PutMessageResult {
    this.counts.putMessageFailedTimes++;
    return { status, physicalOffset: 0, wroteBytes: 0, queueOffset: 0, msgId: '', storeTimestamp: 0, msgNum: 0, remark };
  }
}
