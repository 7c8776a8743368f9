// Consumer offsets of a broadcasting instance, kept in a local JSON file
// (<dir>/<instanceName>/<group>/offsets.json) so a restarted instance resumes where it left
// off. Written with common's writeFileDurably (temp file, fsync, rename, directory fsync), so
// a crash or power loss leaves the old or the new file whole.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileDurably } from '@contrail/common';
import { queueKey, type MessageQueue } from './message-queue.js';
import type { OffsetStore } from './offset-store.js';

export class LocalFileOffsetStore implements OffsetStore {
  readonly path: string;
  readonly #table = new Map<string, number>();
  #writing: Promise<void> = Promise.resolve();

  constructor(dir: string, instanceName: string, group: string) {
    this.path = join(dir, instanceName, group, 'offsets.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const json = JSON.parse(text) as { offsetTable?: Record<string, unknown> };
    for (const [k, v] of Object.entries(json.offsetTable ?? {})) if (typeof v === 'number' && v >= 0) this.#table.set(k, v);
  }

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const k = queueKey(mq);
    const old = this.#table.get(k);
    if (old === undefined || !increaseOnly || offset > old) this.#table.set(k, offset);
  }

  readMemory(mq: MessageQueue): number {
    return this.#table.get(queueKey(mq)) ?? -1;
  }

  readStored(mq: MessageQueue): Promise<number> {
    return Promise.resolve(this.readMemory(mq));
  }

  /** Writes every offset held (not only `mqs`): the file is this instance's whole progress. */
  persist(): Promise<void> {
    const body = JSON.stringify({ offsetTable: Object.fromEntries(this.#table) }, null, 1);
    const next = this.#writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFileDurably(this.path, body);
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }

  remove(): void {
    // Progress of a queue given up stays in the file: broadcasting instances never hand queues over.
  }
}
