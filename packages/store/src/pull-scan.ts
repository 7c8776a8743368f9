// RocketMQ's pull semantics (remoting.md §5): the status and nextBeginOffset for an offset
// outside the queue, and the scan of consume-queue entries (tag filter on the tags code,
// batch limits as Java's isTheBatchFull). Shared by the file and memory stores; the bytes
// come from a PullLog: memory slices first, then ranged file reads of neighbouring records.
import type { CqEntries } from './consume-queue.js';
import { entryPhy, entrySize, entryTags } from './consume-queue.js';
import type { GetMessageResult, GetMessageStatus, TagsCodeFilter } from './message-store.js';
import type { HotLease } from './hot-tail.js';
import { DEFAULT_PULL_LIMITS, MAX_SCAN_ENTRIES, type PullLimits } from './store-config.js';

export interface PullQueue {
  readonly minOffset: number;
  readonly maxOffset: number;
  entriesHot(offset: number, max: number): CqEntries | undefined;
  entries(offset: number, max: number): Promise<CqEntries | null>;
}

export interface PullLog {
  readonly minOffset: number;
  /** End of the log; records within PullLimits.inMemoryBytes of it count as in memory (page cache). */
  readonly maxOffset?: number;
  /** Whether the bytes at offset are served from memory (the in-memory pull limits apply). */
  isHot(offset: number): boolean;
  /** With a lease, the memory behind the view is not reused before the lease is released. */
  readHot(offset: number, size: number, lease?: HotLease): Buffer | undefined;
  read(offset: number, size: number): Promise<Buffer | null>;
}

/** Largest span fetched with one file read when gathering neighbouring records. */
const MAX_SPAN = 1024 * 1024;

function empty(status: GetMessageStatus, next: number, min: number, max: number): GetMessageResult {
  return { status, nextBeginOffset: next, minOffset: min, maxOffset: max, buffers: [], messageCount: 0, totalBytes: 0 };
}

/** The answer when the offset is not inside [min, max), else null (scan the queue). */
export function offsetOutside(q: { minOffset: number; maxOffset: number } | undefined, offset: number): GetMessageResult | null {
  if (q === undefined) return empty('NO_MESSAGE_IN_QUEUE', 0, 0, 0);
  const min = q.minOffset;
  const max = q.maxOffset;
  if (max === 0) return empty('NO_MESSAGE_IN_QUEUE', 0, min, max);
  if (offset < min) return empty('OFFSET_TOO_SMALL', min, min, max);
  if (offset === max) return empty('OFFSET_OVERFLOW_ONE', offset, min, max);
  if (offset > max) return empty('OFFSET_OVERFLOW_BADLY', max, min, max);
  return null;
}

export async function pullMessages(
  q: PullQueue | undefined,
  log: PullLog,
  offset: number,
  maxMsgNums: number,
  filter: TagsCodeFilter | undefined,
  maxBytes: number | undefined,
  limits: PullLimits = DEFAULT_PULL_LIMITS,
  lease?: HotLease,
): Promise<GetMessageResult> {
  const outside = offsetOutside(q, offset);
  if (outside !== null || q === undefined) return outside ?? empty('NO_MESSAGE_IN_QUEUE', 0, 0, 0);
  const min = q.minOffset;
  const max = q.maxOffset;
  const wanted = Math.max(1, maxMsgNums);
  const scanMax = Math.max(MAX_SCAN_ENTRIES, wanted);
  const e = q.entriesHot(offset, scanMax) ?? (await q.entries(offset, scanMax));
  if (e === null) return empty('OFFSET_FOUND_NULL', Math.min(max, Math.max(offset + 1, q.minOffset)), min, max);

  let status: GetMessageStatus = 'NO_MATCHED_MESSAGE';
  const phys: number[] = [];
  const sizes: number[] = [];
  let total = 0;
  let scanned = 0;
  const logMin = log.minOffset;
  const logMax = log.maxOffset ?? 0;
  for (let i = 0; i < e.count; i++) {
    const phy = entryPhy(e.buf, i);
    const size = entrySize(e.buf, i);
    if (size > 0) {
      const n = phys.length;
      if (n > 0) {
        if (n >= wanted) break;
        if (maxBytes !== undefined && total + size > maxBytes) break;
        // Like RocketMQ: a record near the end of the log is taken to be in the page cache,
        // so the in-memory limits apply to it even when it has left the hot tail.
        if (log.isHot(phy) || logMax - phy <= limits.inMemoryBytes) {
          if (total + size > limits.memoryBytes || n >= limits.memoryCount) break;
        } else if (total + size > limits.diskBytes || n >= limits.diskCount) break;
      }
      if (phy < logMin) {
        if (n === 0) status = 'MESSAGE_WAS_REMOVING';
      } else if (filter !== undefined && !filter(entryTags(e.buf, i))) {
        if (n === 0) status = 'NO_MATCHED_MESSAGE';
      } else {
        phys.push(phy);
        sizes.push(size);
        total += size;
        status = 'FOUND';
      }
    }
    scanned++;
  }
  const next = offset + scanned;
  if (phys.length === 0) return empty(status, next, min, max);
  const buffers = await fetchRecords(log, phys, sizes, lease);
  if (buffers.length === 0) return empty('MESSAGE_WAS_REMOVING', next, min, max);
  let bytes = 0;
  for (const b of buffers) bytes += b.length;
  return { status: 'FOUND', nextBeginOffset: next, minOffset: min, maxOffset: max, buffers, messageCount: buffers.length, totalBytes: bytes };
}

/** The records, in order; ones that can no longer be read are left out. */
async function fetchRecords(log: PullLog, phys: number[], sizes: number[], lease: HotLease | undefined): Promise<Buffer[]> {
  const out: (Buffer | null)[] = new Array<Buffer | null>(phys.length).fill(null);
  const reads: Promise<void>[] = [];
  let i = 0;
  while (i < phys.length) {
    const phy = phys[i] as number;
    const size = sizes[i] as number;
    const hot = log.readHot(phy, size, lease);
    if (hot !== undefined) {
      out[i] = hot;
      i++;
      continue;
    }
    // Gather the following cold records that lie close enough for one read.
    let j = i + 1;
    while (j < phys.length) {
      const end = (phys[j] as number) + (sizes[j] as number);
      if (end - phy > MAX_SPAN || log.readHot(phys[j] as number, sizes[j] as number, lease) !== undefined) break;
      j++;
    }
    const first = i;
    const last = j;
    const spanEnd = (phys[last - 1] as number) + (sizes[last - 1] as number);
    reads.push(
      log.read(phy, spanEnd - phy).then(async (span) => {
        if (span !== null) {
          for (let k = first; k < last; k++) {
            const at = (phys[k] as number) - phy;
            out[k] = span.subarray(at, at + (sizes[k] as number));
          }
          return;
        }
        // The span crossed a segment end or part of it is gone: one record at a time.
        for (let k = first; k < last; k++) out[k] = await log.read(phys[k] as number, sizes[k] as number);
      }),
    );
    i = j;
  }
  if (reads.length > 0) await Promise.all(reads);
  return out.filter((b): b is Buffer => b !== null);
}

/** First offset in [min, max) whose store timestamp is >= timestamp (binary search); max if none. */
export async function searchOffsetByTime(
  min: number,
  max: number,
  timestamp: number,
  timeAt: (offset: number) => Promise<number>,
): Promise<number> {
  let lo = min;
  let hi = max;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await timeAt(mid);
    if (t < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
