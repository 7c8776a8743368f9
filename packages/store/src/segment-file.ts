// One fixed-size file of a segmented log (commit log or consume queue), named by the
// 20-digit offset of its first byte. Files are sized up front (sparse), so the unused tail
// reads as zeros and a zero size field marks the end of data.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncCreatedDirs } from '@contrail/common';
import { closeFd, fdatasyncFd, fstatSize, ftruncateFd, openFd, readAt, writeAt } from './fs-io.js';

export function segmentName(offset: number): string {
  return String(offset).padStart(20, '0');
}

export class SegmentFile {
  readonly path: string;
  private fdValue = -1;
  private opening: Promise<number> | undefined;
  private refs = 0;
  private destroyed = false;
  private syncs = 0;
  /** Last time data was appended (clock of the store), or the file's mtime when loaded. */
  lastModified: number;
  /**
   * The whole file's shared mapping while the commit log appends into it (mapped writes); the
   * mapping itself lives until no view of it is left.
   */
  mapping: Buffer | undefined;

  constructor(
    dir: string,
    readonly start: number,
    readonly size: number,
    lastModified: number,
  ) {
    this.path = join(dir, segmentName(start));
    this.lastModified = lastModified;
  }

  get end(): number {
    return this.start + this.size;
  }

  /** The descriptor if already open, else -1. */
  get fd(): number {
    return this.fdValue;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Opens (creating and sizing the file when create is set). */
  open(create = false): Promise<number> {
    if (this.fdValue >= 0) return Promise.resolve(this.fdValue);
    this.opening ??= (async () => {
      let fd: number;
      try {
        fd = await openFd(this.path, 'r+');
      } catch (err) {
        if (!create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        const dir = dirname(this.path);
        const firstNew = await mkdir(dir, { recursive: true });
        fd = await openFd(this.path, 'w+');
        // The new name (and any new directory) durable before anything in the file is promised:
        // an fdatasync of the file alone does not make its directory entry survive a power loss.
        await syncCreatedDirs(dir, firstNew);
      }
      if ((await fstatSize(fd)) < this.size) await ftruncateFd(fd, this.size);
      this.fdValue = fd;
      return fd;
    })();
    return this.opening;
  }

  /** Keeps the descriptor open across an async read, even if retention deletes the file. */
  acquire(): boolean {
    if (this.destroyed) return false;
    this.refs++;
    return true;
  }

  release(): void {
    this.refs--;
    if (this.destroyed && this.refs === 0) void this.closeQuietly();
  }

  async read(filePos: number, length: number): Promise<Buffer> {
    if (!this.acquire()) throw new Error(`${this.path} was deleted`);
    try {
      const fd = await this.open();
      return await readAt(fd, Math.min(length, this.size - filePos), filePos);
    } finally {
      this.release();
    }
  }

  async write(buf: Buffer, filePos: number): Promise<void> {
    const fd = await this.open(true);
    await writeAt(fd, buf, 0, buf.length, filePos);
  }

  /** True while an fdatasync of this file runs (a write meanwhile may wait on it in the kernel). */
  get syncing(): boolean {
    return this.syncs > 0;
  }

  async sync(): Promise<void> {
    if (this.fdValue < 0 || this.destroyed) return;
    this.syncs++;
    try {
      await fdatasyncFd(this.fdValue);
    } finally {
      this.syncs--;
    }
  }

  /** Zeroes everything from filePos to the end, keeping the file's size. */
  async truncateFrom(filePos: number): Promise<void> {
    const fd = await this.open(true);
    await ftruncateFd(fd, filePos);
    await ftruncateFd(fd, this.size);
    await fdatasyncFd(fd);
  }

  async close(): Promise<void> {
    this.destroyed = true;
    if (this.refs === 0) await this.closeQuietly();
  }

  /** Unlinks now; the descriptor closes when the last reader lets go. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await rm(this.path, { force: true });
    if (this.refs === 0) await this.closeQuietly();
  }

  private async closeQuietly(): Promise<void> {
    if (this.opening !== undefined) {
      try {
        await this.opening;
      } catch {
        // never opened
      }
    }
    const fd = this.fdValue;
    this.fdValue = -1;
    if (fd >= 0) await closeFd(fd).catch(() => undefined);
  }
}
