// The store's contract with the broker: the shapes of appends, pulls and queries, and the
// MessageStore interface that the file-backed and the in-memory stores both implement.

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

export interface MessageStoreConfig {
  storePathRootDir: string;
  /** Commit-log segment size in bytes (1 GiB). */
  mappedFileSizeCommitLog?: number;
  /** Consume-queue segment size in bytes, a multiple of 20 (300000 * 20). */
  mappedFileSizeConsumeQueue?: number;
  flushDiskType?: FlushDiskType;
  /** ASYNC_FLUSH: how often the commit log is fdatasync'ed, ms (500). */
  flushIntervalCommitLog?: number;
  /** How often consume queues, index and checkpoint go to disk, ms (1000). */
  flushIntervalConsumeQueue?: number;
  /** SYNC_FLUSH: how long an append waits for its fdatasync before FLUSH_DISK_TIMEOUT, ms (5000). */
  syncFlushTimeout?: number;
  /** Hours a commit-log segment is kept (72). */
  fileReservedTime?: number;
  /** Hours of the day ("04", or "04;16") when expired segments are deleted. */
  deleteWhen?: string;
  /** Disk use (percent) above which the oldest segments go regardless of age (75). */
  diskMaxUsedSpaceRatio?: number;
  /** How often retention runs, ms (10000). */
  cleanResourceInterval?: number;
  /** Largest body accepted, bytes (4 MiB). */
  maxMessageSize?: number;
  /** Bytes of the newest commit log kept in memory for reads (256 MiB). */
  hotTailBytes?: number;
  /**
   * How far ahead of its appends the commit log is kept written with zeros, so that appends
   * overwrite allocated blocks and each fdatasync has no block allocation to commit (16 MiB
   * with SYNC_FLUSH; with ASYNC_FLUSH 8 MiB when mapped writes are on, else 0 = off; see
   * docs/storage.md).
   */
  zeroAheadBytes?: number | undefined;
  /**
   * With ASYNC_FLUSH, appends encode straight into a shared mapping of the segment file (the
   * page cache) wherever the zeros ahead have reached, instead of into memory that is then
   * written (default true; needs the native helper, see docs/storage.md).
   */
  mappedWrites?: boolean | undefined;
  /**
   * Let the kernel drop commit-log pages from the page cache once they are fdatasync'ed
   * (default true; needs the native helper built at install time, see docs/storage.md).
   */
  dropPageCacheBehind?: boolean;
  /** With dropPageCacheBehind, the newest flushed bytes left in the page cache (256 MiB). */
  pageCacheKeepBytes?: number;
  /**
   * How much flushed commit log below the checkpoint an unclean start checks again (64 MiB):
   * damage there stops the start. Drop-behind keeps these pages cached.
   */
  recoveryCheckBytes?: number;
  /** Most bytes / messages one pull returns when they are in memory (RocketMQ's keys). */
  maxTransferBytesOnMessageInMemory?: number;
  maxTransferCountOnMessageInMemory?: number;
  /** Most bytes / messages one pull returns when they must be read from disk. */
  maxTransferBytesOnMessageInDisk?: number;
  maxTransferCountOnMessageInDisk?: number;
  /** Records within this percentage of physical memory of the log end count as in memory. */
  accessMessageInMemoryMaxRatio?: number;
  /**
   * Append a CRC32 of the whole record as its last property (`__CRC32#`, RocketMQ's
   * enabledAppendPropCRC; false): recovery then also catches damage outside the body.
   */
  enabledAppendPropCRC?: boolean;
  /** Appended but not yet written bytes above which appends get OS_PAGE_CACHE_BUSY (256 MiB). */
  maxPendingWriteBytes?: number;
  /** Consume-queue entries kept in memory per queue (16384). */
  consumeQueueTailEntries?: number;
  /** Index file geometry (RocketMQ: 5,000,000 slots, 20,000,000 entries). */
  maxHashSlotNum?: number;
  maxIndexNum?: number;
  messageDelayLevel?: string;
  /** "ip:port" this broker advertises; goes into STOREHOST and the offset msgId. */
  storeHost: string;
  /** The clock for store timestamps and retention. */
  now?: () => number;
  /** Disk use as a percentage of the store's file system (statfs by default); for tests. */
  diskUsedRatio?: () => Promise<number>;
}

export interface PutMessageInput {
  topic: string;
  queueId: number;
  flag: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string | Buffer;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  /** The encoded property string. */
  properties: string;
  /** Kept instead of the clock, e.g. for a committed transaction. */
  storeTimestamp?: number;
}

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  /** Replication statuses: stored on this broker, the slave did not confirm in time / is absent. */
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'SERVICE_NOT_AVAILABLE'
  | 'OS_PAGE_CACHE_BUSY'
  | 'UNKNOWN_ERROR';

/** Whether a put with this status left the message in the log (possibly short of a promise). */
export function isPutStored(status: PutMessageStatus): boolean {
  return status === 'PUT_OK' || status === 'FLUSH_DISK_TIMEOUT' || status === 'FLUSH_SLAVE_TIMEOUT' || status === 'SLAVE_NOT_AVAILABLE';
}

export interface PutMessageResult {
  status: PutMessageStatus;
  physicalOffset: number;
  wroteBytes: number;
  queueOffset: number;
  /** The offset msgId; comma-joined for batches. */
  msgId: string;
  storeTimestamp: number;
  msgNum: number;
  remark?: string;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Whole stored records, byte for byte; slices of the hot tail where possible. */
  buffers: Buffer[];
  messageCount: number;
  totalBytes: number;
  /**
   * Present when getMessage was asked for a lease and served slices of the hot tail: call it
   * once nothing uses `buffers` any more (a pull: once the response is handed to the OS), so
   * that memory can take new appends. Not calling it is safe; it only costs the reuse.
   */
  release?: () => void;
}

export interface QueryMessageResult {
  buffers: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

/** Called once consume-queue entries exist for a record (long polling waits on this). */
export type ArriveListener = (topic: string, queueId: number, queueOffset: number, tagsCode: number, storeTimestamp: number) => void;

/** Tag filter on the consume-queue tags code. */
export type TagsCodeFilter = (tagsCode: number) => boolean;

export interface StoreStats {
  putMessageTimes: number;
  putMessageBytes: number;
  putMessageFailedTimes: number;
  getMessageTimes: number;
  getMessageFoundTimes: number;
  getMessageTransferredMsgCount: number;
  minPhyOffset: number;
  maxPhyOffset: number;
  /** Commit-log bytes written to the files. */
  writtenPhyOffset: number;
  /** Commit-log bytes made durable with fdatasync. */
  flushedPhyOffset: number;
  /** Commit-log bytes whose consume-queue and index entries exist. */
  dispatchedPhyOffset: number;
  consumeQueues: number;
  hotTailBytes: number;
  /** Hot-tail chunks whose memory, once they left the hot tail, was kept for the next chunk. */
  hotTailRecycledChunks: number;
  /** Commit-log bytes appended straight into a segment's mapping (mapped writes), not written from memory. */
  mappedWriteBytes: number;
  /** Commit-log bytes whose pages the kernel was told to drop (drop-behind); -1 without it. */
  pageCacheDroppedBytes: number;
  /** Records whose consume-queue and index entries the last start rebuilt from the commit log. */
  recoveryReplayedRecords: number;
}

export interface MessageStore {
  start(): Promise<void>;
  /** Drains pending appends, flushes everything and marks the store cleanly closed. */
  shutdown(): Promise<void>;
  putMessage(m: PutMessageInput): Promise<PutMessageResult>;
  /** Same topic and queue; the records get consecutive queue offsets. */
  putMessages(items: PutMessageInput[]): Promise<PutMessageResult>;
  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: TagsCodeFilter,
    maxBytes?: number,
    /** Lease the hot-tail memory the buffers are slices of: the result then has release(). */
    lease?: boolean,
  ): Promise<GetMessageResult>;
  /** Exclusive; 0 for an unknown queue. */
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** The first offset whose store timestamp is >= timestamp; max if none; 0 when empty. */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  /** Store timestamp of the queue's first available message; -1 when none. */
  getEarliestMessageTime(topic: string, queueId: number): Promise<number>;
  /** Commit-log offset of a queue entry; 0 when it is not there (as RocketMQ answers). */
  getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): Promise<number>;
  /** One whole record starting at the physical offset, or null. */
  lookMessageByOffset(physicalOffset: number): Promise<Buffer | null>;
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult>;
  onArrive(listener: ArriveListener): () => void;
  deleteTopics(topics: Iterable<string>): Promise<void>;
  getMaxPhyOffset(): number;
  getMinPhyOffset(): number;
  stats(): StoreStats;
}
