// Store configuration with every default filled in, checked once at construction.
import { totalmem } from 'node:os';
import { ContrailError } from '@contrail/common';
import type { FlushDiskType, MessageStoreConfig } from './message-store.js';
import { parseDelayLevels } from './delay-levels.js';

export interface ResolvedStoreConfig {
  storePathRootDir: string;
  mappedFileSizeCommitLog: number;
  mappedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  flushIntervalCommitLog: number;
  flushIntervalConsumeQueue: number;
  syncFlushTimeout: number;
  fileReservedTime: number;
  deleteWhen: string;
  diskMaxUsedSpaceRatio: number;
  cleanResourceInterval: number;
  maxMessageSize: number;
  hotTailBytes: number;
  zeroAheadBytes: number;
  mappedWrites: boolean;
  dropPageCacheBehind: boolean;
  pageCacheKeepBytes: number;
  recoveryCheckBytes: number;
  pullLimits: PullLimits;
  maxPendingWriteBytes: number;
  enabledAppendPropCRC: boolean;
  consumeQueueTailEntries: number;
  maxHashSlotNum: number;
  maxIndexNum: number;
  /** Delay per level in ms; index 0 is level 1. */
  delayLevels: number[];
  storeHost: string;
  now: () => number;
  diskUsedRatio: (() => Promise<number>) | undefined;
}

export const CQ_ENTRY_SIZE = 20;

/** What one pull may return (maxTransfer{Bytes,Count}OnMessageIn{Memory,Disk}). */
export interface PullLimits {
  memoryBytes: number;
  memoryCount: number;
  diskBytes: number;
  diskCount: number;
  /** Records within this many bytes of the log end are taken to be in the page cache. */
  inMemoryBytes: number;
}

/**
 * The in-memory limits are higher than RocketMQ's (256 KiB, 32 messages): clients ask for 32
 * or fewer by default, so only a consumer that asks for more (pullBatchSize) gets more, where
 * a RocketMQ broker would cap it at 32. The disk limits and the 40 % ratio are RocketMQ's.
 */
export const DEFAULT_PULL_LIMITS: PullLimits = {
  memoryBytes: 4 * 1024 * 1024,
  memoryCount: 1024,
  diskBytes: 64 * 1024,
  diskCount: 8,
  inMemoryBytes: Math.floor(totalmem() * 0.4),
};

/** Consume-queue entries scanned per pull at most (maxFilterMessageCount). */
export const MAX_SCAN_ENTRIES = 800;

export function resolveStoreConfig(c: MessageStoreConfig): ResolvedStoreConfig {
  const r: ResolvedStoreConfig = {
    storePathRootDir: c.storePathRootDir,
    mappedFileSizeCommitLog: c.mappedFileSizeCommitLog ?? 1024 * 1024 * 1024,
    mappedFileSizeConsumeQueue: c.mappedFileSizeConsumeQueue ?? 300_000 * CQ_ENTRY_SIZE,
    flushDiskType: c.flushDiskType ?? 'ASYNC_FLUSH',
    flushIntervalCommitLog: c.flushIntervalCommitLog ?? 500,
    flushIntervalConsumeQueue: c.flushIntervalConsumeQueue ?? 1000,
    syncFlushTimeout: c.syncFlushTimeout ?? 5000,
    fileReservedTime: c.fileReservedTime ?? 72,
    deleteWhen: c.deleteWhen ?? '04',
    diskMaxUsedSpaceRatio: c.diskMaxUsedSpaceRatio ?? 75,
    cleanResourceInterval: c.cleanResourceInterval ?? 10_000,
    maxMessageSize: c.maxMessageSize ?? 4 * 1024 * 1024,
    hotTailBytes: c.hotTailBytes ?? 256 * 1024 * 1024,
    zeroAheadBytes: c.zeroAheadBytes ?? ((c.flushDiskType ?? 'ASYNC_FLUSH') === 'SYNC_FLUSH' ? 16 * 1024 * 1024 : (c.mappedWrites ?? true) ? 8 * 1024 * 1024 : 0),
    mappedWrites: c.mappedWrites ?? true,
    dropPageCacheBehind: c.dropPageCacheBehind ?? true,
    pageCacheKeepBytes: c.pageCacheKeepBytes ?? 256 * 1024 * 1024,
    recoveryCheckBytes: c.recoveryCheckBytes ?? 64 * 1024 * 1024,
    pullLimits: {
      memoryBytes: c.maxTransferBytesOnMessageInMemory ?? DEFAULT_PULL_LIMITS.memoryBytes,
      memoryCount: c.maxTransferCountOnMessageInMemory ?? DEFAULT_PULL_LIMITS.memoryCount,
      diskBytes: c.maxTransferBytesOnMessageInDisk ?? DEFAULT_PULL_LIMITS.diskBytes,
      diskCount: c.maxTransferCountOnMessageInDisk ?? DEFAULT_PULL_LIMITS.diskCount,
      inMemoryBytes:
        c.accessMessageInMemoryMaxRatio === undefined ? DEFAULT_PULL_LIMITS.inMemoryBytes : Math.floor((totalmem() * c.accessMessageInMemoryMaxRatio) / 100),
    },
    maxPendingWriteBytes: c.maxPendingWriteBytes ?? 256 * 1024 * 1024,
    enabledAppendPropCRC: c.enabledAppendPropCRC ?? false,
    consumeQueueTailEntries: c.consumeQueueTailEntries ?? 16_384,
    maxHashSlotNum: c.maxHashSlotNum ?? 5_000_000,
    maxIndexNum: c.maxIndexNum ?? 20_000_000,
    delayLevels: parseDelayLevels(c.messageDelayLevel ?? '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h'),
    storeHost: c.storeHost,
    now: c.now ?? Date.now,
    diskUsedRatio: c.diskUsedRatio,
  };
  const bad = (why: string): never => {
    throw new ContrailError('CONFIG_INVALID', `message store: ${why}`);
  };
  if (r.mappedFileSizeCommitLog < 4096) bad('mappedFileSizeCommitLog must be at least 4096');
  if (!Number.isSafeInteger(r.pageCacheKeepBytes) || r.pageCacheKeepBytes < 0) bad('pageCacheKeepBytes must be a whole number of bytes, at least 0');
  if (!Number.isSafeInteger(r.recoveryCheckBytes) || r.recoveryCheckBytes < 0) bad('recoveryCheckBytes must be a whole number of bytes, at least 0');
  if (!Number.isSafeInteger(r.zeroAheadBytes) || r.zeroAheadBytes < 0) bad('zeroAheadBytes must be a whole number of bytes, at least 0');
  if (r.mappedFileSizeConsumeQueue < CQ_ENTRY_SIZE || r.mappedFileSizeConsumeQueue % CQ_ENTRY_SIZE !== 0) {
    bad('mappedFileSizeConsumeQueue must be a positive multiple of 20');
  }
  if (r.maxHashSlotNum < 1 || r.maxIndexNum < 2) bad('index geometry too small');
  if (!/^\d+(;\d+)*$/.test(r.deleteWhen)) bad(`deleteWhen ${JSON.stringify(r.deleteWhen)} is not "HH" or "HH;HH"`);
  if (r.syncFlushTimeout <= 0) bad('syncFlushTimeout must be positive');
  if (!(r.flushIntervalCommitLog >= 1)) bad('flushIntervalCommitLog must be at least 1 ms');
  if (!(r.flushIntervalConsumeQueue >= 1)) bad('flushIntervalConsumeQueue must be at least 1 ms');
  const l = r.pullLimits;
  if (![l.memoryBytes, l.memoryCount, l.diskBytes, l.diskCount].every((n) => Number.isInteger(n) && n >= 1)) bad('maxTransfer* limits must be positive integers');
  if (c.accessMessageInMemoryMaxRatio !== undefined && !(c.accessMessageInMemoryMaxRatio >= 0 && c.accessMessageInMemoryMaxRatio <= 100)) {
    bad('accessMessageInMemoryMaxRatio must be between 0 and 100');
  }
  return r;
}
