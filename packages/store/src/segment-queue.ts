// The ordered files of one segmented log (RocketMQ's MappedFileQueue): load from a
// directory, find the file holding an offset, create the next one, drop from either end.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { ContrailError } from '@contrail/common';
import { SegmentFile } from './segment-file.js';

export class SegmentQueue {
  segments: SegmentFile[] = [];

  constructor(
    readonly dir: string,
    readonly fileSize: number,
  ) {}

  /** Loads existing files; a gap or a wrongly sized name is corruption. */
  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => /^\d{20}$/.test(n)).sort();
    const out: SegmentFile[] = [];
    for (const name of names) {
      const start = Number(name);
      const st = await stat(`${this.dir}/${name}`);
      if (start % this.fileSize !== 0) {
        throw new ContrailError('STORE_CORRUPTED', `${this.dir}/${name}: offset is not a multiple of the segment size ${this.fileSize}`);
      }
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.end !== start) {
        throw new ContrailError('STORE_CORRUPTED', `${this.dir}: segment ${name} does not follow ${prev.path} (missing file)`);
      }
      out.push(new SegmentFile(this.dir, start, this.fileSize, st.mtimeMs));
    }
    this.segments = out;
  }

  get first(): SegmentFile | undefined {
    return this.segments[0];
  }

  get last(): SegmentFile | undefined {
    return this.segments[this.segments.length - 1];
  }

  get minOffset(): number {
    return this.segments[0]?.start ?? 0;
  }

  find(offset: number): SegmentFile | undefined {
    const segs = this.segments;
    const first = segs[0];
    if (first === undefined || offset < first.start) return undefined;
    const idx = Math.floor((offset - first.start) / this.fileSize);
    const s = segs[idx];
    return s !== undefined && offset < s.end ? s : undefined;
  }

  /** The file starting at offset (a multiple of fileSize), appended when it does not exist. */
  getOrCreate(start: number, now: number): SegmentFile {
    const found = this.find(start);
    if (found !== undefined) return found;
    const last = this.last;
    if (last !== undefined && last.end !== start) throw new Error(`segment ${start} would leave a gap after ${last.start}`);
    const s = new SegmentFile(this.dir, start, this.fileSize, now);
    this.segments.push(s);
    return s;
  }

  /** Removes (and deletes) every file starting at or after offset. */
  async dropFrom(offset: number): Promise<void> {
    while (this.segments.length > 0) {
      const last = this.segments[this.segments.length - 1];
      if (last === undefined || last.start < offset) break;
      this.segments.pop();
      await last.destroy();
    }
  }

  /** Removes (and deletes) the first n files. */
  async dropFirst(n: number): Promise<void> {
    const gone = this.segments.splice(0, n);
    for (const s of gone) await s.destroy();
  }

  async closeAll(): Promise<void> {
    for (const s of this.segments) await s.close();
  }
}
