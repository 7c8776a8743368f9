// Walks the commit log from a record boundary, checking each record's size, magic code,
// body CRC, whole-record CRC (on every record from crcFrom on) and
// physical-offset field, hopping over blank markers to the next segment. The
// first bad or torn record ends the log — unless it lies below the offset the store had
// fdatasync'ed, which is corruption of promised data and stops start-up.
import { BLANK_MAGIC_CODE, ContrailError, MESSAGE_MAGIC_CODE, recordSize, scanRecord, type RecordLayout } from '@contrail/common';
import { checkRecordCrc } from './record-crc.js';
import type { SegmentFile } from './segment-file.js';
import type { SegmentQueue } from './segment-queue.js';

const WINDOW = 4 * 1024 * 1024;
const MIN_RECORD = recordSize(0, 0, 0);

export interface LogScanResult {
  /** Where the valid log ends. */
  end: number;
  /** Why the scan stopped, when it was not a clean end of data. */
  stoppedBy?: string;
}

/**
 * Hands each valid record to onRecord as its layout within buf (one layout object, reused:
 * read what is needed before returning). Nothing is decoded that onRecord does not read.
 */
export async function scanCommitLog(
  segments: SegmentQueue,
  from: number,
  promisedOffset: number,
  onRecord: (buf: Buffer, layout: RecordLayout) => void,
  limit = Number.MAX_SAFE_INTEGER,
  /** Records from this offset on must end with a whole-record CRC (enabledAppendPropCRC). */
  crcFrom = Number.MAX_SAFE_INTEGER,
  /** Check each body's CRC (off for a range an earlier scan of this start checked). */
  checkBodyCrc = true,
): Promise<LogScanResult> {
  const layout = {} as RecordLayout;
  const options = { checkCrc: checkBodyCrc };
  let pos = from;
  let seg: SegmentFile | undefined = segments.find(pos);
  let win: Buffer = Buffer.alloc(0);
  let winStart = 0;

  const ensure = async (n: number): Promise<number> => {
    if (seg === undefined) return 0;
    if (pos < winStart || pos + n > winStart + win.length) {
      win = await seg.read(pos - seg.start, Math.min(Math.max(WINDOW, n), seg.end - pos));
      winStart = pos;
    }
    return winStart + win.length - pos;
  };
  /** Nothing but zeros or the file's end in the 8 bytes after the record at pos. */
  const endsAfter = async (size: number): Promise<boolean> => {
    if (seg === undefined) return true;
    const next = pos + size;
    if (next + 8 > seg.end) return true;
    const head = await seg.read(next - seg.start, 8);
    return head.length < 8 || (head.readInt32BE(0) === 0 && head.readInt32BE(4) === 0);
  };
    const stop = (why: string, clean: boolean): LogScanResult => {
    if (pos < promisedOffset) {
      const where = seg === undefined ? `commit-log offset ${pos}` : `${seg.path} at file offset ${pos - seg.start} (commit-log offset ${pos})`;
      throw new ContrailError('STORE_CORRUPTED', `commit log corrupted below the flushed offset ${promisedOffset}: ${where}: ${why}`);
    }
    return clean ? { end: pos } : { end: pos, stoppedBy: why };
  };

  while (pos < limit) {
    if (seg === undefined) return stop('no segment file holds this offset', true);
    if (pos >= seg.end) {
      seg = segments.find(pos);
      continue;
    }
    const avail = await ensure(8);
    if (avail === 0) return stop('end of file', true);
    if (avail < 8) return stop('torn record header', false);
    const size = win.readInt32BE(pos - winStart);
    const magic = win.readInt32BE(pos - winStart + 4);
    if (size === 0 && magic === 0) return stop('end of data', true);
    if (magic === BLANK_MAGIC_CODE) {
      if (size !== seg.end - pos) return stop(`blank marker of ${size} bytes does not reach the segment end`, false);
      pos = seg.end;
      continue;
    }
    if (magic !== MESSAGE_MAGIC_CODE) return stop(`bad magic code 0x${(magic >>> 0).toString(16)}`, false);
    if (size < MIN_RECORD || size > seg.end - pos - 8) return stop(`bad record size ${size}`, false);
    if ((await ensure(size)) < size) return stop('torn record', false);
    // Only records the store wrote with the option on are checked: before crcFrom a record
    // may end with a `__CRC32#` property a client sent (copied from a consumed message).
    if (pos >= crcFrom) {
      const crc = checkRecordCrc(win, pos - winStart, size);
      if (crc === 'bad') return stop('whole-record CRC mismatch', false);
      if (crc === 'none') {
        return stop(`no whole-record CRC, although crc32from says every record from offset ${crcFrom} has one (if a version without enabledAppendPropCRC wrote here since, delete crc32from)`, false);
      }
    }
    try {
      scanRecord(win, pos - winStart, options, layout);
    } catch (err) {
      return stop((err as Error).message, false);
    }
    if (layout.physicalOffset !== pos) return stop(`record says it lies at ${layout.physicalOffset}`, false);
    // A write cut short by a crash leaves zeros where the rest of its last record should be.
    // A cut after the body passes the body CRC. The text a record ends with (properties, or
    // the topic when there are none) never ends in a zero byte (record-encoder.ts), so the
    // last record past the flushed offset whose text does was cut.
    const textEnd = layout.propertiesLength > 0 ? layout.propertiesAt + layout.propertiesLength : layout.topicAt + layout.topicLength;
    if (pos >= promisedOffset && win[textEnd - 1] === 0 && (await endsAfter(size))) {
      return stop('torn record (it ends in zeros and nothing follows)', false);
    }
    onRecord(win, layout);
    pos += size;
  }
  return { end: pos };
}

/** Cuts the log at end: zeroes the rest of its segment and deletes the segments after it. */
export async function cutCommitLog(segments: SegmentQueue, end: number): Promise<void> {
  const seg = segments.find(end);
  if (seg !== undefined) {
    await seg.truncateFrom(end - seg.start);
    await segments.dropFrom(seg.end);
  } else {
    await segments.dropFrom(end);
  }
}
