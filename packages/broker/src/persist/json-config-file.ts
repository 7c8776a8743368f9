// One JSON config file under storePathRootDir/config, written atomically (temp file, fsync,
// rename, fsync of the directory) so a crash leaves either the old or the new content.
// The previous content is kept as <name>.bak, as RocketMQ does.
import { mkdir, open, readFile, rename, copyFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await copyFile(this.path, `${this.path}.bak`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, this.path);
    await syncDir(dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}
