// One timer-log record: a message waiting in rmq_sys_wheel_timer, linked to the previous
// record of the same wheel slot. Fixed size, so a position is enough to find one.
//
//   MAGIC i32 | CRC i32 (of bytes 8..47) | DELAYED_TIME_MS i64 | OFFSET_PY i64 | SIZE_PY i32
//   | FLAGS i32 | PREV_POS i64 (-1: first of its slot) | QUEUE_OFFSET i64 (in rmq_sys_wheel_timer)
//
// FLAGS bit 0 marks a delete marker (a recall): it is never delivered; it names a message of
// the same due time that must not be.
import { crc32, readLong, writeLong } from '@contrail/common';

export const TIMER_RECORD_SIZE = 48;
const MAGIC = 0x54494d52; // "TIMR"
/** FLAGS bit of a delete marker. */
export const TIMER_FLAG_DELETE = 1;

export interface TimerRecord {
  /** When it is due (ms epoch, exact). */
  delayedTime: number;
  /** Commit-log offset and size of the message in rmq_sys_wheel_timer. */
  offsetPy: number;
  sizePy: number;
  /** Position of the previous record in the same slot, or -1. */
  prevPos: number;
  /** Consume-queue offset in rmq_sys_wheel_timer, so a restart knows what was enqueued. */
  queueOffset: number;
  /** TIMER_FLAG_* bits; absent means 0. */
  flags?: number;
}

export function writeTimerRecord(buf: Buffer, pos: number, r: TimerRecord): void {
  buf.writeInt32BE(MAGIC, pos);
  writeLong(buf, r.delayedTime, pos + 8);
  writeLong(buf, r.offsetPy, pos + 16);
  buf.writeInt32BE(r.sizePy, pos + 24);
  buf.writeInt32BE(r.flags ?? 0, pos + 28);
  writeLong(buf, r.prevPos, pos + 32);
  writeLong(buf, r.queueOffset, pos + 40);
  buf.writeInt32BE(crc32(buf.subarray(pos + 8, pos + TIMER_RECORD_SIZE)) | 0, pos + 4);
}

/** The record at `pos`, or null if it is not a whole, intact one (a torn tail). */
export function readTimerRecord(buf: Buffer, pos: number): TimerRecord | null {
  if (buf.length - pos < TIMER_RECORD_SIZE || buf.readInt32BE(pos) !== MAGIC) return null;
  if ((crc32(buf.subarray(pos + 8, pos + TIMER_RECORD_SIZE)) | 0) !== buf.readInt32BE(pos + 4)) return null;
  return {
    delayedTime: readLong(buf, pos + 8),
    offsetPy: readLong(buf, pos + 16),
    sizePy: buf.readInt32BE(pos + 24),
    flags: buf.readInt32BE(pos + 28),
    prevPos: readLong(buf, pos + 32),
    queueOffset: readLong(buf, pos + 40),
  };
}
