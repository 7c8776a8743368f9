// MessageStore kept in memory, for fast tests of the layers above: the same record bytes,
// offsets, statuses and index semantics as the file store, without files or durability.
import { decodeRecord } from '@contrail/common';
import { entryPhy, entrySize } from './consume-queue.js';
import { isDispatchable, type DispatchRequest } from './dispatch-request.js';
import { indexKey } from './index-service.js';
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
import { MemoryQueue } from './memory-queue.js';
import { pullMessages, searchOffsetByTime, type PullLog } from './pull-scan.js';
import { matchesKey } from './query-match.js';
import { isPrepareFailure, RecordEncoder, type PreparedRecord } from './record-encoder.js';
import { resolveStoreConfig, type ResolvedStoreConfig } from './store-config.js';

export class MemoryMessageStore implements MessageStore {
  readonly config: ResolvedStoreConfig;
  private readonly encoder: RecordEncoder;
  private readonly phys: number[] = [];
  private readonly records: Buffer[] = [];
  private maxPhy = 0;
  private readonly queues = new Map<string, Map<number, MemoryQueue>>();
  private readonly keyIndex = new Map<string, number[]>();
  private readonly listeners = new Set<ArriveListener>();
  private running = false;
  private lastIndexTimestamp = 0;
  private readonly counts = {
    putMessageTimes: 0,
    putMessageBytes: 0,
    putMessageFailedTimes: 0,
    getMessageTimes: 0,
    getMessageFoundTimes: 0,
    getMessageTransferredMsgCount: 0,
  };
  private readonly log: PullLog;

  constructor(config: MessageStoreConfig) {
    this.config = resolveStoreConfig(config);
    this.encoder = new RecordEncoder(this.config.storeHost, this.config.maxMessageSize, this.config.delayLevels, this.config.enabledAppendPropCRC);
    const find = (offset: number): Buffer | undefined => this.recordAt(offset);
    this.log = {
      minOffset: 0,
      isHot: () => true,
      readHot: (offset, size) => {
        const r = find(offset);
        return r !== undefined && r.length === size ? r : undefined;
      },
      read: (offset, size) => {
        const r = find(offset);
        return Promise.resolve(r !== undefined && r.length === size ? r : null);
      },
    };
  }

  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.running = false;
    return Promise.resolve();
  }

  putMessage(m: PutMessageInput): Promise<PutMessageResult> {
    return this.putMessages([m]);
  }

  putMessages(items: PutMessageInput[]): Promise<PutMessageResult> {
    return Promise.resolve(this.put(items));
  }

  getMessage(topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: TagsCodeFilter, maxBytes?: number): Promise<GetMessageResult> {
    this.counts.getMessageTimes++;
    return pullMessages(this.queues.get(topic)?.get(queueId), this.log, offset, maxMsgNums, filter, maxBytes).then((r) => {
      if (r.status === 'FOUND') {
        this.counts.getMessageFoundTimes++;
        this.counts.getMessageTransferredMsgCount += r.messageCount;
      }
      return r;
    });
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.queues.get(topic)?.get(queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.queues.get(topic)?.get(queueId)?.minOffset ?? 0;
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const q = this.queues.get(topic)?.get(queueId);
    if (q === undefined || q.maxOffset === 0) return Promise.resolve(0);
    return searchOffsetByTime(q.minOffset, q.maxOffset, timestamp, (o) => Promise.resolve(this.timeAt(q, o)));
  }

  getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const q = this.queues.get(topic)?.get(queueId);
    return Promise.resolve(q === undefined || q.maxOffset <= q.minOffset ? -1 : this.timeAt(q, q.minOffset));
  }

  getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): Promise<number> {
    const e = this.queues.get(topic)?.get(queueId)?.entriesHot(consumeQueueOffset, 1);
    return Promise.resolve(e === undefined ? 0 : entryPhy(e.buf, 0));
  }

  lookMessageByOffset(physicalOffset: number): Promise<Buffer | null> {
    return Promise.resolve(this.recordAt(physicalOffset) ?? null);
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> {
    const phys = this.keyIndex.get(indexKey(topic, key)) ?? [];
    const buffers: Buffer[] = [];
    for (let i = phys.length - 1; i >= 0 && buffers.length < maxNum; i--) {
      const rec = this.recordAt(phys[i] as number);
      if (rec !== undefined && matchesKey(decodeRecord(rec, 0), topic, key, begin, end)) buffers.push(rec);
    }
    return Promise.resolve({ buffers, indexLastUpdateTimestamp: this.lastIndexTimestamp, indexLastUpdatePhyoffset: this.maxPhy });
  }

  onArrive(listener: ArriveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deleteTopics(topics: Iterable<string>): Promise<void> {
    for (const t of topics) this.queues.delete(t);
    return Promise.resolve();
  }

  getMaxPhyOffset(): number {
    return this.maxPhy;
  }

  getMinPhyOffset(): number {
    return 0;
  }

  stats(): StoreStats {
    let n = 0;
    for (const m of this.queues.values()) n += m.size;
    return {
      ...this.counts,
      minPhyOffset: 0,
      maxPhyOffset: this.maxPhy,
      writtenPhyOffset: this.maxPhy,
      flushedPhyOffset: this.maxPhy,
      dispatchedPhyOffset: this.maxPhy,
      consumeQueues: n,
      hotTailBytes: 0,
      hotTailRecycledChunks: 0,
      mappedWriteBytes: 0,
      pageCacheDroppedBytes: -1,
      recoveryReplayedRecords: 0,
    };
  }

  private put(items: PutMessageInput[]): PutMessageResult {
    const first = items[0];
    if (first === undefined) return this.failed('MESSAGE_ILLEGAL', 'empty batch');
    if (!this.running) return this.failed('SERVICE_NOT_AVAILABLE', 'store is not running');
    const prepared: PreparedRecord[] = [];
    for (const m of items) {
      if (m.topic !== first.topic || m.queueId !== first.queueId) return this.failed('MESSAGE_ILLEGAL', 'a batch must go to one topic and queue');
      const p = this.encoder.prepare(m);
      if (isPrepareFailure(p)) return this.failed(p.status, p.remark);
      prepared.push(p);
    }
    const storeTimestamp = first.storeTimestamp ?? this.config.now();
    const q = this.queue(first.topic, first.queueId);
    const physicalOffset = this.maxPhy;
    const firstQueueOffset = q.maxOffset;
    let queueOffset = firstQueueOffset;
    let wrote = 0;
    const requests: DispatchRequest[] = [];
    for (const p of prepared) {
      const phy = this.maxPhy;
      const buf = Buffer.allocUnsafe(p.size);
      const dispatchable = isDispatchable(p.sysFlag);
      const req = this.encoder.dispatchOf(p, phy, queueOffset, storeTimestamp);
      this.encoder.encode(buf, 0, p, phy, dispatchable ? queueOffset : 0, storeTimestamp);
      this.phys.push(phy);
      this.records.push(buf);
      this.maxPhy += p.size;
      wrote += p.size;
      if (dispatchable) {
        requests.push(req);
        queueOffset++;
      }
    }
    for (const r of requests) this.dispatch(q, r);
    this.counts.putMessageTimes += prepared.length;
    this.counts.putMessageBytes += wrote;
    return {
      status: 'PUT_OK',
      physicalOffset,
      wroteBytes: wrote,
      queueOffset: requests.length > 0 ? firstQueueOffset : 0,
      msgId: this.encoder.msgIds(physicalOffset, prepared),
      storeTimestamp,
      msgNum: prepared.length,
    };
  }

  private dispatch(q: MemoryQueue, r: DispatchRequest): void {
    q.append(r.physicalOffset, r.size, r.tagsCode);
    const keys = r.keys === undefined ? [] : r.keys.split(' ').filter((k) => k.length > 0);
    if (r.uniqKey !== undefined && r.uniqKey.length > 0) keys.push(r.uniqKey);
    for (const k of keys) {
      const ik = indexKey(r.topic, k);
      let list = this.keyIndex.get(ik);
      if (list === undefined) {
        list = [];
        this.keyIndex.set(ik, list);
      }
      list.push(r.physicalOffset);
      this.lastIndexTimestamp = r.storeTimestamp;
    }
    for (const l of this.listeners) {
      try {
        l(r.topic, r.queueId, r.queueOffset, r.tagsCode, r.storeTimestamp);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private queue(topic: string, queueId: number): MemoryQueue {
    let m = this.queues.get(topic);
    if (m === undefined) {
      m = new Map();
      this.queues.set(topic, m);
    }
    let q = m.get(queueId);
    if (q === undefined) {
      q = new MemoryQueue();
      m.set(queueId, q);
    }
    return q;
  }

  private recordAt(offset: number): Buffer | undefined {
    let lo = 0;
    let hi = this.phys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.phys[mid] as number;
      if (p === offset) return this.records[mid];
      if (p < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private timeAt(q: MemoryQueue, offset: number): number {
    const e = q.entriesHot(offset, 1);
    if (e === undefined || entrySize(e.buf, 0) <= 0) return -1;
    const rec = this.recordAt(entryPhy(e.buf, 0));
    return rec === undefined ? -1 : decodeRecord(rec, 0).storeTimestamp;
  }

  private failed(status: PutMessageStatus, remark: string): PutMessageResult {
    this.counts.putMessageFailedTimes++;
    return { status, physicalOffset: 0, wroteBytes: 0, queueOffset: 0, msgId: '', storeTimestamp: 0, msgNum: 0, remark };
  }
}
