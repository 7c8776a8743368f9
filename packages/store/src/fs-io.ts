// Positional file I/O on raw descriptors through the libuv pool, as promises. Callback fs
// rather than FileHandle: no per-handle GC bookkeeping, and short writes are retried here.
import * as fs from 'node:fs';

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, 0o644, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ftruncateFd(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
}

export function fstatSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size))));
}

/** Writes all of buf[offset, offset+length) at position, retrying short writes. */
export function writeFully(fd: number, buf: Buffer, offset: number, length: number, position: number, cb: (err: Error | null) => void): void {
  fs.write(fd, buf, offset, length, position, (err, written) => {
    if (err) return cb(err);
    if (written === length) return cb(null);
    if (written <= 0) return cb(new Error(`write returned ${written}`));
    writeFully(fd, buf, offset + written, length - written, position + written, cb);
  });
}

/** writeFully, synchronously (the commit log's small writes into the page cache). */
export function writeFullySync(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  let off = offset;
  let left = length;
  let pos = position;
  while (left > 0) {
    const n = fs.writeSync(fd, buf, off, left, pos);
    if (n <= 0) throw new Error(`write returned ${n}`);
    off += n;
    left -= n;
    pos += n;
  }
}

export function writeAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
  return new Promise((resolve, reject) => writeFully(fd, buf, offset, length, position, (err) => (err ? reject(err) : resolve())));
}

/** Reads up to length bytes at position; fewer only at end of file. */
export async function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, got, length - got, position + got, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
    );
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}
