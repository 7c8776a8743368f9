// Start-up: find where the commit log really ends and bring consume queues and index in
// line with it. A clean start (no abort marker, a checkpoint) trusts the files. An unclean
// one walks the log from the checkpoint's verifyFrom (verify-window.ts), cuts it at the first
// bad or torn record, drops consume-queue entries the checkpoint does not vouch for and index
// entries past the log end, then rebuilds both from the log.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BLANK_MAGIC_CODE, ContrailError, MESSAGE_MAGIC_CODE, readLong, RecordPos, syncDir, writeFileDurably, type Logger } from '@contrail/common';
import type { CommitLog } from './commit-log.js';
import { cutCommitLog, scanCommitLog } from './commit-log-recovery.js';
import type { ConsumeQueueStore } from './consume-queue-store.js';
import { dispatchOfRecord } from './dispatch-request.js';
import type { IndexService } from './index-service.js';
import type { ReputDispatcher } from './reput-dispatcher.js';
import { oldestOffset, type CheckpointData, type StoreCheckpoint } from './store-checkpoint.js';
import type { ResolvedStoreConfig } from './store-config.js';
import type { SegmentQueue } from './segment-queue.js';

/** Holds the commit-log offset from which every record carries a whole-record CRC. */
const CRC_FROM_FILE = 'crc32from';
const PHYSICAL_OFFSET_AT = RecordPos.PHYSICALOFFSET;

export interface RecoveryContext {
  config: ResolvedStoreConfig;
  unclean: boolean;
  checkpoint: StoreCheckpoint;
  commitLog: CommitLog;
  queues: ConsumeQueueStore;
  index: IndexService;
  reput: ReputDispatcher;
  logger: Logger;
}

export interface Recovered {
  /** The commit log's end offset. */
  end: number;
  /** A record boundary at or below end: where the next checkpoints' verify window starts. */
  verifyFrom: number;
  /** Records whose consume-queue and index entries were rebuilt from the log. */
  replayed: number;
}

/** Recovers the commit log's end offset (crc32from brought in line with it). */
export async function recoverStore(ctx: RecoveryContext): Promise<Recovered> {
  const cp = await ctx.checkpoint.load();
  // Only with the option on: a start with it off forgets the file (recordCrcStart).
  const crcFrom = ctx.config.enabledAppendPropCRC ? await readCrcFrom(ctx.config.storePathRootDir) : Number.MAX_SAFE_INTEGER;
  const segs = ctx.commitLog.segments;
  await segs.load();
  if (segs.last === undefined && (cp?.physicOffset ?? 0) > segs.minOffset) {
    throw new ContrailError('STORE_CORRUPTED', `the checkpoint says the commit log was flushed to ${cp?.physicOffset}, but ${segs.dir} holds no segment`);
  }
  let clean = !ctx.unclean && cp !== null;
  let end = segs.minOffset;
  /** Records from here to end had their body CRCs checked by the scan that found the end. */
  let checkedFrom = Number.MAX_SAFE_INTEGER;
  /** Where the scan began instead, when the checkpoint did not point at a record. */
  let rescanFrom = Number.MAX_SAFE_INTEGER;
  let verifyFrom: number | undefined;
  if (cp !== null && clean) {
    end = cp.physicOffset;
    if (!(await looksLikeEnd(segs, end))) {
      ctx.logger.warn({ offset: end }, 'checkpoint does not match the commit log end; recovering as after a crash');
      clean = false;
    }
  }
  const window = ctx.config.recoveryCheckBytes;
  if (clean) {
    verifyFrom = (await checkedVerifyFrom(cp, segs, ctx.logger)) ?? segmentStartAtOrBelow(segs, end - window);
  } else {
    const oldest = scanStart(cp, segs);
    // Without a usable verifyFrom: the start of the segment holding the point `window` below
    // the checkpoint (a segment start is always where a record starts).
    let from = (await checkedVerifyFrom(cp, segs, ctx.logger)) ?? segmentStartAtOrBelow(segs, oldest - window);
    if (!(await recordStartsAt(segs, oldest, cp?.physicOffset ?? 0))) {
      ctx.logger.warn({ offset: oldest }, 'the checkpoint does not point at a record; scanning from the start of its segment');
      from = Math.min(from, segmentStartAtOrBelow(segs, oldest));
      rescanFrom = from;
    }
    verifyFrom = from;
    const r = await scanCommitLog(segs, from, cp?.physicOffset ?? 0, () => undefined, Number.MAX_SAFE_INTEGER, crcFrom);
    end = r.end;
    checkedFrom = from;
    if (r.stoppedBy !== undefined) ctx.logger.warn({ offset: end, reason: r.stoppedBy }, 'commit log cut at a bad or torn record');
    await cutCommitLog(segs, end);
  }
  const logicsLimit = clean ? undefined : Math.min(cp?.logicsOffset ?? 0, end);
  await ctx.queues.load(logicsLimit);
  await ctx.index.load(end, segs.minOffset);
  // Never past what the consume queues hold (RocketMQ's reput starts at the largest offset any
  // queue reaches): with consumequeue/ removed, or lost, every queue is rebuilt from the log.
  const logicsFrom = Math.min(logicsLimit ?? cp?.logicsOffset ?? 0, ctx.queues.dispatchedThrough(segs.minOffset));
  const replayFrom = Math.max(segs.minOffset, Math.min(logicsFrom, ctx.index.dispatchedThrough, rescanFrom));
  let n = 0;
  if (replayFrom < end) {
    const levels = ctx.config.delayLevels;
    await scanCommitLog(
      segs,
      replayFrom,
      end,
      (buf, layout) => {
        ctx.reput.replay(dispatchOfRecord(buf, layout, levels));
        n++;
      },
      end,
      crcFrom,
      replayFrom < checkedFrom,
    );
    ctx.logger.info({ from: replayFrom, to: end, records: n }, 'rebuilt consume queues and index from the commit log');
  }
  ctx.queues.resetCounters();
  await recordCrcStart(ctx.config.storePathRootDir, ctx.config.enabledAppendPropCRC, end, crcFrom);
  return { end, verifyFrom: Math.min(end, verifyFrom), replayed: n };
}

/** The start of the segment holding offset (clamped to the log's segments). */
function segmentStartAtOrBelow(segs: SegmentQueue, offset: number): number {
  const last = segs.last;
  if (last === undefined || offset <= segs.minOffset) return segs.minOffset;
  return offset >= last.end ? last.start : (segs.find(offset)?.start ?? segs.minOffset);
}

/**
 * The checkpoint's verifyFrom when it is a record start at or below the checkpointed offsets,
 * in a segment the log still has (retention may have removed it).
 */
async function checkedVerifyFrom(cp: CheckpointData | null, segs: SegmentQueue, logger: Logger): Promise<number | undefined> {
  const v = cp?.verifyFrom;
  if (cp === null || v === undefined) return undefined;
  if (v >= segs.minOffset && v <= oldestOffset(cp) && (await recordStartsAt(segs, v, -1))) return v;
  logger.warn({ verifyFrom: v, minOffset: segs.minOffset }, 'the checkpoint\'s verifyFrom is not a record start in the log; checking from a segment start instead');
  return undefined;
}

async function readCrcFrom(root: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(root, CRC_FROM_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Number.MAX_SAFE_INTEGER;
    throw err;
  }
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isSafeInteger(v) || v < 0) {
    throw new ContrailError('STORE_CORRUPTED', `${join(root, CRC_FROM_FILE)} does not hold a commit-log offset: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return v;
}

/**
 * After recovery: with enabledAppendPropCRC on, records from `end` on carry the whole-record
 * CRC (unless crc32from already said from where: `known`); with it off, none need to.
 */
async function recordCrcStart(root: string, enabled: boolean, end: number, known: number): Promise<void> {
  const file = join(root, CRC_FROM_FILE);
  if (!enabled) {
    if (!existsSync(file)) return;
    await rm(file, { force: true });
    // Durable before any record without a CRC is appended, or a power loss could bring the
    // file back and make those records look damaged.
    return syncDir(root);
  }
  if (known !== Number.MAX_SAFE_INTEGER) return;
  await writeFileDurably(file, `${end}\n`);
}

/**
 * The oldest checkpointed offset, within the log: each checkpointed offset is where a write, a
 * dispatch or an index pass stopped, so a record (or a blank marker, or the end of the data)
 * starts there; recovery checks that (recordStartsAt). At or past the last segment's end, that
 * segment's start: the scan then finds how far the data really goes.
 */
export function scanStart(cp: CheckpointData | null, segs: SegmentQueue): number {
  if (cp === null) return segs.minOffset;
  const oldest = oldestOffset(cp);
  const last = segs.last;
  if (last === undefined || oldest <= segs.minOffset) return segs.minOffset;
  return oldest >= last.end ? Math.max(segs.minOffset, last.start) : oldest;
}

/**
 * Whether a record starts at offset (a record holds its own commit-log offset, so one that
 * starts here says so), or a segment, or a blank marker reaching the segment's end; or, at
 * `dataEnd` (where the checkpoint says the flushed log ends), the end of the data.
 */
async function recordStartsAt(segs: SegmentQueue, offset: number, dataEnd: number): Promise<boolean> {
  const seg = segs.find(offset);
  if (seg === undefined) return offset === dataEnd || offset === segs.last?.end;
  if (offset === seg.start) return true;
  const head = await seg.read(offset - seg.start, PHYSICAL_OFFSET_AT + 8);
  if (head.length < 8) return false;
  const size = head.readInt32BE(0);
  const magic = head.readInt32BE(4);
  if (size === 0 && magic === 0) return offset === dataEnd;
  if (magic === BLANK_MAGIC_CODE) return size === seg.end - offset;
  return magic === MESSAGE_MAGIC_CODE && head.length === PHYSICAL_OFFSET_AT + 8 && readLong(head, PHYSICAL_OFFSET_AT) === offset;
}

/** Whether nothing but zeros (or the end of the files) follows offset. */
async function looksLikeEnd(segs: SegmentQueue, offset: number): Promise<boolean> {
  if (offset < segs.minOffset) return false;
  const seg = segs.find(offset);
  if (seg === undefined) return segs.last === undefined || offset === segs.last.end;
  const head = await seg.read(offset - seg.start, 8);
  return head.length < 8 || (head.readInt32BE(0) === 0 && head.readInt32BE(4) === 0);
}
