// Committed consumer offsets per "topic@group" and queue, kept in memory and flushed to
// config/consumerOffset.json (RocketMQ's offsetTable shape) periodically and on shutdown.
import type { JsonConfigFile } from '../persist/json-config-file.js';

const SEPARATOR = '@';

export class ConsumerOffsetManager {
  readonly #table = new Map<string, Map<number, number>>();
  readonly #file: JsonConfigFile;
  #dirty = false;

  constructor(file: JsonConfigFile) {
    this.#file = file;
  }

  async load(): Promise<void> {
    const json = await this.#file.read();
    if (typeof json !== 'object' || json === null) return;
    const table = (json as { offsetTable?: unknown }).offsetTable;
    if (typeof table !== 'object' || table === null) return;
    for (const [key, queues] of Object.entries(table)) {
      if (typeof queues !== 'object' || queues === null) continue;
      const m = new Map<number, number>();
      for (const [qid, offset] of Object.entries(queues)) {
        if (/^\d+$/.test(qid) && typeof offset === 'number' && offset >= 0) m.set(Number(qid), offset);
      }
      this.#table.set(key, m);
    }
  }

  /** Stores an offset; negative offsets (a client's "none") are ignored. */
  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    if (!(offset >= 0)) return;
    const key = topic + SEPARATOR + group;
    let m = this.#table.get(key);
    if (m === undefined) {
      m = new Map();
      this.#table.set(key, m);
    }
    if (m.get(queueId) !== offset) {
      m.set(queueId, offset);
      this.#dirty = true;
    }
  }

  /** The committed offset, or -1 when there is none. */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.#table.get(topic + SEPARATOR + group)?.get(queueId) ?? -1;
  }

  /** Offsets of every queue of a topic for a group. */
  queryOffsets(group: string, topic: string): ReadonlyMap<number, number> {
    return this.#table.get(topic + SEPARATOR + group) ?? new Map();
  }

  /** Every group and topic with committed offsets, with its offsets by queue. */
  *entries(): IterableIterator<{ group: string; topic: string; queues: ReadonlyMap<number, number> }> {
    for (const [key, queues] of this.#table) {
      const at = key.indexOf(SEPARATOR);
      yield { topic: key.slice(0, at), group: key.slice(at + 1), queues };
    }
  }

  /** Groups with committed offsets on `topic`. */
  groupsOfTopic(topic: string): string[] {
    const out: string[] = [];
    for (const key of this.#table.keys()) {
      const at = key.indexOf(SEPARATOR);
      if (key.slice(0, at) === topic) out.push(key.slice(at + 1));
    }
    return out;
  }

  removeTopic(topic: string): void {
    for (const key of [...this.#table.keys()]) {
      if (key.slice(0, key.indexOf(SEPARATOR)) === topic) this.#table.delete(key);
    }
    this.#dirty = true;
  }

  toJSON(): { offsetTable: Record<string, Record<string, number>> } {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, m] of this.#table) {
      const queues: Record<string, number> = {};
      for (const [qid, offset] of m) queues[String(qid)] = offset;
      offsetTable[key] = queues;
    }
    return { offsetTable };
  }

  /** Writes the file if anything changed since the last flush. */
  async flush(force = false): Promise<void> {
    if (!this.#dirty && !force) return;
    this.#dirty = false;
    try {
      await this.#file.write(this.toJSON());
    } catch (err) {
      this.#dirty = true;
      throw err;
    }
  }
}
