// The message index: `topic#key` for every key in KEYS and for UNIQ_KEY → commit-log offset,
// across a series of index files named by the first commit-log offset they cover.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { javaStringHashCode, type Logger } from '@contrail/common';
import type { DispatchRequest } from './dispatch-request.js';
import { isDispatchable } from './dispatch-request.js';
import { IndexFile, indexKeyHash, indexKeyHashFrom } from './index-file.js';

export function indexKey(topic: string, key: string): string {
  return topic + '#' + key;
}

export class IndexService {
  files: IndexFile[] = [];
  /** End of the last record the index has seen (records below it are indexed). */
  dispatchedThrough = 0;
  private lastTopic = '';
  private lastTopicHash = 0;

  constructor(
    private readonly dir: string,
    private readonly slotNum: number,
    private readonly indexNum: number,
    private readonly logger: Logger,
  ) {}

  /** Opens the files, drops those past logEnd and readies the newest for appends. */
  async load(logEnd: number, logMin: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => /^\d{20}$/.test(n)).sort();
    const files: IndexFile[] = [];
    for (const name of names) {
      const f = await IndexFile.open(this.dir, name, this.slotNum, this.indexNum);
      if (f === null || f.header.beginPhyOffset >= logEnd) {
        // Never flushed, or wholly past the recovered log: rebuilt from the log.
        await f?.close();
        await rm(`${this.dir}/${name}`, { force: true });
        continue;
      }
      files.push(f);
    }
    // Each header vouches for the records from its beginPhyOffset up to its endPhyOffset. A
    // file that is not full and whose header stops short of the next file's start lost its
    // final flush (files are flushed together, so a newer header can be written before an
    // older one): the records in between may have no entry anywhere. Resume there: later
    // files go and everything from that point is indexed again.
    for (let i = 0; i + 1 < files.length; i++) {
      const f = files[i] as IndexFile;
      const next = files[i + 1] as IndexFile;
      if (f.isFull || f.header.endPhyOffset >= next.header.beginPhyOffset) continue;
      this.logger.warn(
        { file: f.path, indexedThrough: f.header.endPhyOffset, nextBegins: next.header.beginPhyOffset },
        'index file ends short of the next one; rebuilding the index from there',
      );
      for (const later of files.splice(i + 1)) {
        await later.close();
        await rm(later.path, { force: true });
      }
      break;
    }
    this.files = files;
    const last = files[files.length - 1];
    if (last !== undefined && !last.isFull) await last.activate(logEnd);
    // With no file at all, everything is indexed again from the log's start: a file whose
    // directory entry a power loss took, or an index/ an operator removed, is rebuilt.
    this.dispatchedThrough = last === undefined ? logMin : Math.max(logMin, Math.min(last.header.endPhyOffset, logEnd));
  }

  dispatch(req: DispatchRequest): void {
    if (req.physicalOffset < this.dispatchedThrough) return;
    this.dispatchedThrough = req.physicalOffset + req.size;
    // A file from the first record on, keys or not (as RocketMQ's buildIndex gets one before
    // it looks at the keys): its header is what tells a restart how far the index has seen,
    // and without one a log with no keys was indexed again from its start at every unclean start.
    if (this.files.length === 0) this.startFile(req.physicalOffset);
    if (!isDispatchable(req.sysFlag)) return;
    const keys = req.keys;
    const uniq = req.uniqKey;
    if (keys === undefined && (uniq === undefined || uniq.length === 0)) return;
    const topicHash = this.topicHash(req.topic);
    if (keys !== undefined) {
      let from = 0;
      while (from <= keys.length) {
        let end = keys.indexOf(' ', from);
        if (end < 0) end = keys.length;
        if (end > from) this.put(indexKeyHashFrom(topicHash, keys, from, end), req);
        from = end + 1;
      }
    }
    if (uniq !== undefined && uniq.length > 0) this.put(indexKeyHashFrom(topicHash, uniq, 0, uniq.length), req);
  }

  /** Java's hashCode of "topic#" (unmasked), the start of every key hash of the topic. */
  private topicHash(topic: string): number {
    if (topic !== this.lastTopic) {
      this.lastTopic = topic;
      this.lastTopicHash = javaStringHashCode(topic + '#');
    }
    return this.lastTopicHash;
  }

  /** Moves the dispatched point over records that carry nothing to index (blanks, gaps). */
  advanceTo(offset: number): void {
    if (offset > this.dispatchedThrough) this.dispatchedThrough = offset;
  }

  async flush(): Promise<void> {
    // Every file's flush starts in this turn, so each captures its entry count together
    // with `through`.
    const through = this.dispatchedThrough;
    const files = this.files.filter((f) => f.isActive || f.hasUnflushed);
    await Promise.all(files.map((f) => f.flush(through)));
    for (const f of files) f.releaseSlots();
  }

  /** Candidate commit-log offsets, newest first; the caller checks each record. */
  async lookup(topic: string, key: string, max: number, begin: number, end: number): Promise<number[]> {
    const hash = indexKeyHash(indexKey(topic, key));
    const out: number[] = [];
    for (let i = this.files.length - 1; i >= 0 && out.length < max; i--) {
      const f = this.files[i];
      if (f === undefined) continue;
      try {
        out.push(...(await f.lookup(hash, begin, end, max - out.length)));
      } catch (err) {
        this.logger.warn({ err, file: f.path }, 'index lookup failed');
      }
    }
    return out;
  }

  get lastUpdateTimestamp(): number {
    return this.files[this.files.length - 1]?.header.endTimestamp ?? 0;
  }

  /** Drops sealed files whose records all lie below the commit log's min offset. */
  async deleteExpired(minPhy: number): Promise<void> {
    while (this.files.length > 1) {
      const f = this.files[0];
      const next = this.files[1];
      if (f === undefined || next === undefined || next.header.beginPhyOffset > minPhy) break;
      this.files.shift();
      await f.close();
      await rm(f.path, { force: true });
    }
  }

  async close(): Promise<void> {
    for (const f of this.files) await f.close();
  }

  private put(hash: number, req: DispatchRequest): void {
    let f = this.files[this.files.length - 1];
    if (f === undefined || !f.isActive || f.isFull) {
      // Every record before this one has its entries in f or an earlier file.
      if (f !== undefined && f.isActive) f.seal(req.physicalOffset);
      f = this.startFile(req.physicalOffset);
    }
    f.put(hash, req.physicalOffset, req.storeTimestamp);
  }

  /** A new newest file, for the records from beginPhyOffset on. */
  private startFile(beginPhyOffset: number): IndexFile {
    const f = IndexFile.fresh(this.dir, this.slotNum, this.indexNum, beginPhyOffset);
    this.files.push(f);
    return f;
  }
}
