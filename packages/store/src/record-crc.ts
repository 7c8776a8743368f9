// The whole-record CRC (RocketMQ's enabledAppendPropCRC): the record's last property is
// `__CRC32#` = CRC32 of every record byte before that property (masked to 31 bits, as the body
// CRC), as ten decimal digits, least significant first, followed by the property separator:
//   ... properties [\u0002] __CRC32# \u0001 dddddddddd \u0002   (the last 20 bytes)
// The body CRC leaves the header, topic and properties unchecked; this covers them.
import { crc32 } from '@contrail/common';

const NAME = Buffer.from('__CRC32#', 'latin1');
/** Bytes the CRC property takes at the end of a record. */
export const RECORD_CRC_LENGTH = NAME.length + 1 + 10 + 1;
const NAME_VALUE = 1;
const SEPARATOR = 2;
const ZERO = 0x30;

/** The CRC value stored for buf[pos, pos + size): everything but the CRC property. */
function computed(buf: Buffer, pos: number, size: number): number {
  return crc32(buf.subarray(pos, pos + size - RECORD_CRC_LENGTH)) & 0x7fffffff;
}

/** Fills the record's last RECORD_CRC_LENGTH bytes (the rest of the record is written). */
export function writeRecordCrc(buf: Buffer, pos: number, size: number): void {
  let v = computed(buf, pos, size);
  let q = pos + size - RECORD_CRC_LENGTH;
  for (let i = 0; i < NAME.length; i++) buf[q++] = NAME[i] as number;
  buf[q++] = NAME_VALUE;
  for (let i = 0; i < 10; i++) {
    buf[q++] = ZERO + (v % 10);
    v = Math.floor(v / 10);
  }
  buf[q] = SEPARATOR;
}

export type RecordCrcCheck = 'none' | 'ok' | 'bad';

/**
 * Whether the record at pos (size bytes, already known to be whole) ends with a CRC property,
 * and whether it matches: 'none' when the last bytes are not a CRC property at all.
 */
export function checkRecordCrc(buf: Buffer, pos: number, size: number): RecordCrcCheck {
  if (size < RECORD_CRC_LENGTH) return 'none';
  let q = pos + size - RECORD_CRC_LENGTH;
  for (let i = 0; i < NAME.length; i++) if (buf[q++] !== NAME[i]) return 'none';
  if (buf[q++] !== NAME_VALUE || buf[pos + size - 1] !== SEPARATOR) return 'none';
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const d = (buf[q++] as number) - ZERO;
    if (d < 0 || d > 9) return 'bad';
    v += d * scale;
    scale *= 10;
  }
  return v === computed(buf, pos, size) ? 'ok' : 'bad';
}
