// ROCKETMQ binary header codec (serialize type 1). Layout (big-endian):
//   int16 code | int8 language | int16 version | int32 opaque | int32 flag
//   int32 remarkLen | remark (UTF-8; 0 = none)
//   int32 extLen | { int16 keyLen | key | int32 valLen | value }*

import { ContrailError } from '@contrail/common';
import { setExtField } from './ext-fields.js';
import { SerializeType, type OutgoingCommand, type RemotingCommand } from './remoting-command.js';

const LANGUAGES = [
  'JAVA', 'CPP', 'DOTNET', 'PYTHON', 'DELPHI', 'ERLANG', 'RUBY', 'OTHER', 'HTTP', 'GO', 'PHP', 'OMS', 'RUST',
] as const;
const LANGUAGE_OTHER = 7;
const languageCodes = new Map<string, number>(LANGUAGES.map((name, i) => [name, i]));

const FIXED_LEN = 2 + 1 + 2 + 4 + 4 + 4 + 4;

function toInt16(n: number): number {
  return (n << 16) >> 16;
}

/** Bytes the binary header of `cmd` takes. */
export function binaryHeaderLength(cmd: OutgoingCommand): number {
  let n = FIXED_LEN;
  if (cmd.remark) n += Buffer.byteLength(cmd.remark);
  for (const k in cmd.extFields) {
    n += 2 + Buffer.byteLength(k) + 4 + Buffer.byteLength(cmd.extFields[k] ?? '');
  }
  return n;
}

/** Writes the binary header of `cmd` at `offset`; returns the offset after it. */
export function writeBinaryHeader(cmd: OutgoingCommand, out: Buffer, offset: number): number {
  // Java writes code and version as shorts and truncates larger values; do the same.
  let p = out.writeInt16BE(toInt16(cmd.code), offset);
  p = out.writeUInt8(languageCodes.get(cmd.language) ?? LANGUAGE_OTHER, p);
  p = out.writeInt16BE(toInt16(cmd.version), p);
  p = out.writeInt32BE(cmd.opaque, p);
  p = out.writeInt32BE(cmd.flag, p);
  if (cmd.remark) {
    const len = out.write(cmd.remark, p + 4, 'utf8');
    out.writeInt32BE(len, p);
    p += 4 + len;
  } else {
    p = out.writeInt32BE(0, p);
  }
  const extLenAt = p;
  p += 4;
  for (const k in cmd.extFields) {
    const keyLen = out.write(k, p + 2, 'utf8');
    out.writeUInt16BE(keyLen, p);
    p += 2 + keyLen;
    const valLen = out.write(cmd.extFields[k] ?? '', p + 4, 'utf8');
    out.writeInt32BE(valLen, p);
    p += 4 + valLen;
  }
  out.writeInt32BE(p - extLenAt - 4, extLenAt);
  return p;
}

function malformed(why: string): ContrailError {
  return new ContrailError('FRAME_MALFORMED', `malformed ROCKETMQ header: ${why}`);
}

/** Decodes a binary header from `buf[start, end)`. */
export function decodeBinaryHeader(buf: Buffer, start: number, end: number): RemotingCommand {
  if (end - start < FIXED_LEN) throw malformed('too short');
  let p = start;
  const code = buf.readInt16BE(p);
  const langCode = buf.readUInt8(p + 2);
  const version = buf.readInt16BE(p + 3);
  const opaque = buf.readInt32BE(p + 5);
  const flag = buf.readInt32BE(p + 9);
  p += 13;
  const remarkLen = buf.readInt32BE(p);
  p += 4;
  if (remarkLen < 0 || remarkLen > end - p - 4) throw malformed('remark length out of range');
  const remark = remarkLen === 0 ? undefined : buf.toString('utf8', p, p + remarkLen);
  p += remarkLen;
  const extLen = buf.readInt32BE(p);
  p += 4;
  if (extLen < 0 || extLen !== end - p) throw malformed('ext length does not match the header length');
  const extFields: Record<string, string> = {};
  while (p < end) {
    if (end - p < 2) throw malformed('truncated ext key');
    const keyLen = buf.readUInt16BE(p);
    p += 2;
    if (keyLen > end - p - 4) throw malformed('ext key length out of range');
    const key = buf.toString('utf8', p, p + keyLen);
    p += keyLen;
    const valLen = buf.readInt32BE(p);
    p += 4;
    if (valLen < 0 || valLen > end - p) throw malformed('ext value length out of range');
    setExtField(extFields, key, buf.toString('utf8', p, p + valLen));
    p += valLen;
  }
  return {
    code,
    language: LANGUAGES[langCode] ?? 'OTHER',
    version,
    opaque,
    flag,
    remark,
    extFields,
    body: undefined,
    serializeType: SerializeType.ROCKETMQ,
  };
}
