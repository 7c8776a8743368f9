// The store's optional native helper (native/, built by `npm ci` where a C compiler and Node's
// headers are present): page-cache drop-behind (page-cache.ts), handing the C heap's free pages
// back, and CRC32 for the commit log's body checksums (commit-log.ts). Without it, or off
// Linux, the store does the same work in JS or not at all, as docs/storage.md says.
import { createRequire } from 'node:module';
import type { Logger } from '@contrail/common';

export interface NativeHelper {
  /** Resolves to 0 or an errno value. */
  dropCache(fd: number, offset: number, length: number): Promise<number>;
  /** malloc_trim(0) on the thread pool: true when pages went back to the kernel. */
  trimMemory?(): Promise<boolean>;
  /** Unsigned CRC32 (IEEE) of bytes[start, end). */
  crc32?(bytes: Uint8Array, start?: number, end?: number): number;
  /**
   * Writes the BODYCRC field of every stored-message record in buf[from, to) (up to a blank
   * marker); returns how many. Throws a RangeError at a record that does not fit the range.
   */
  fillBodyCrcs?(buf: Uint8Array, from: number, to: number): number;
  /** Voluntary context switches of the calling thread so far; -1 where the OS cannot tell. */
  threadSleeps?(): number;
  /**
   * A shared, writable mapping of [offset, offset + length) of a file (offset page-aligned),
   * unmapped when the ArrayBuffer is collected. Throws when mmap fails.
   */
  mapShared?(fd: number, offset: number, length: number): ArrayBuffer;
  /**
   * On the thread pool: zeros over the file's [filePos, filePos + to - from) in 1 MiB writes,
   * then MADV_POPULATE_WRITE over [from, to) of buffer (a mapping; null: none). Resolves to 0 or
   * the write's errno value.
   */
  zeroFill?(fd: number, filePos: number, buffer: ArrayBufferLike | null, from: number, to: number): Promise<number>;
  /** MADV_DONTNEED over the whole pages inside [from, to) of a mapping, on the thread pool: 0 or an errno value. */
  dontNeed?(buffer: ArrayBufferLike, from: number, to: number): Promise<number>;
  /** Whether crc32 uses carry-less multiplies (PCLMULQDQ) on this CPU. */
  crc32Accelerated?: boolean;
}

let helper: NativeHelper | null | undefined;

/** The native helper, or null when it was not built. */
export function nativeHelper(): NativeHelper | null {
  if (helper === undefined) {
    try {
      helper = createRequire(import.meta.url)('../../native/build/Release/contrail_store.node') as NativeHelper;
    } catch {
      helper = null;
    }
  }
  return helper;
}

/**
 * Hands the free pages of the C heap (where Buffers live) back to the kernel; false when there
 * were none, or without the helper or a C library that can.
 */
export function trimNativeHeap(): Promise<boolean> {
  const h = nativeHelper();
  return h?.trimMemory === undefined ? Promise.resolve(false) : h.trimMemory();
}

let warned = false;

/** Once per process: npm hides the install script's own message unless asked for it. */
export function warnNoHelper(logger: Logger): void {
  if (warned) return;
  warned = true;
  logger.warn(
    'the store\'s native helper was not built (npm install needs a C compiler and Node headers for it): body CRCs are computed one record at a time, and commit-log pages stay in the page cache (dropPageCacheBehind has no effect)',
  );
}
