// All consume queues (consumequeue/<topic>/<queueId>/) and the queue-offset counters that
// appends take their offsets from.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConsumeQueue } from './consume-queue.js';
import type { DispatchRequest } from './dispatch-request.js';
import { isDispatchable } from './dispatch-request.js';

export class ConsumeQueueStore {
  private readonly queues = new Map<string, Map<number, ConsumeQueue>>();
  /** Next queue offset to assign, per topic and queue. */
  private readonly counters = new Map<string, Map<number, number>>();
  private readonly dirty = new Set<ConsumeQueue>();

  constructor(
    private readonly dir: string,
    private readonly fileSize: number,
    private readonly tailEntries: number,
  ) {}

  /** Loads every queue; with limitPhy (unclean start) keeps only entries of records below it. */
  async load(limitPhy?: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const topic of await readdir(this.dir)) {
      let ids: string[];
      try {
        ids = await readdir(join(this.dir, topic));
      } catch {
        continue;
      }
      for (const id of ids) {
        if (!/^\d+$/.test(id)) continue;
        const cq = this.create(topic, Number(id));
        await cq.load(limitPhy);
      }
    }
  }

  /** The end of the newest record any queue has an entry for; `floor` when none has one. */
  dispatchedThrough(floor: number): number {
    let through = floor;
    for (const m of this.queues.values()) for (const cq of m.values()) if (cq.maxPhyEnd > through) through = cq.maxPhyEnd;
    return through;
  }

  find(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(topic)?.get(queueId);
  }

  findOrCreate(topic: string, queueId: number): ConsumeQueue {
    return this.find(topic, queueId) ?? this.create(topic, queueId);
  }

  all(): ConsumeQueue[] {
    const out: ConsumeQueue[] = [];
    for (const m of this.queues.values()) for (const cq of m.values()) out.push(cq);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const m of this.queues.values()) n += m.size;
    return n;
  }

  /** The offset the next record of this queue gets. */
  nextOffset(topic: string, queueId: number): number {
    const m = this.counters.get(topic);
    const v = m?.get(queueId);
    if (v !== undefined) return v;
    const start = this.find(topic, queueId)?.maxOffset ?? 0;
    this.setNextOffset(topic, queueId, start);
    return start;
  }

  setNextOffset(topic: string, queueId: number, next: number): void {
    let m = this.counters.get(topic);
    if (m === undefined) {
      m = new Map();
      this.counters.set(topic, m);
    }
    m.set(queueId, next);
  }

  /** Counters restart from the consume queues (after recovery rebuilt them). */
  resetCounters(): void {
    this.counters.clear();
  }

  dispatch(req: DispatchRequest): boolean {
    if (!isDispatchable(req.sysFlag)) return false;
    const cq = this.findOrCreate(req.topic, req.queueId);
    if (!cq.append(req.queueOffset, req.physicalOffset, req.size, req.tagsCode)) return false;
    this.dirty.add(cq);
    return true;
  }

  /** Writes and fdatasyncs every queue with new entries. */
  async flush(now: number): Promise<void> {
    const list = [...this.dirty];
    this.dirty.clear();
    for (const cq of list) await cq.flush(now);
  }

  async deleteExpired(minPhy: number): Promise<void> {
    for (const cq of this.all()) await cq.deleteExpired(minPhy);
  }

  async deleteTopic(topic: string): Promise<void> {
    const m = this.queues.get(topic);
    this.queues.delete(topic);
    this.counters.delete(topic);
    if (m !== undefined) {
      for (const cq of m.values()) {
        this.dirty.delete(cq);
        await cq.destroy();
      }
    }
    await rm(join(this.dir, topic), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    for (const cq of this.all()) await cq.close();
  }

  private create(topic: string, queueId: number): ConsumeQueue {
    let m = this.queues.get(topic);
    if (m === undefined) {
      m = new Map();
      this.queues.set(topic, m);
    }
    const cq = new ConsumeQueue(topic, queueId, join(this.dir, topic, String(queueId)), this.fileSize, this.tailEntries);
    m.set(queueId, cq);
    return cq;
  }
}
