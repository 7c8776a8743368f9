// One JSON config file under storePathRootDir/config, written atomically (temp file, fsync,
// rename, fsync of the directory) so a crash leaves either the old or the new content.
// The previous content is kept as <name>.bak, as RocketMQ does.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileDurably } from '@contrail/common';

export class JsonConfigFile {
  readonly path: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** The parsed file, the backup if the file is unreadable, or undefined if neither exists. */
  async read(): Promise<unknown> {
    for (const p of [this.path, `${this.path}.bak`]) {
      let text: string;
      try {
        text = await readFile(p, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (text.trim().length === 0) continue;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /** Writes `value`; concurrent writes are serialized and the last one wins. */
  write(value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2);
    const next = this.#writing.then(
      () => this.#writeNow(text),
      () => this.#writeNow(text),
    );
    this.#writing = next;
    return next;
  }

  async #writeNow(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    try {
      await copyFile(this.path, `${this.path}.bak`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await writeFileDurably(this.path, text);
  }
}
