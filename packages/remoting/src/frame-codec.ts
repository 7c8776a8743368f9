// Whole-frame encoding and decoding:
//   int32 length (= 4 + headerLen + bodyLen) | int32 headerWord (type << 24 | headerLen)
//   | header | body

import { ContrailError } from '@contrail/common';
import { binaryHeaderLength, decodeBinaryHeader, writeBinaryHeader } from './binary-header.js';
import { decodeJsonHeader, encodeJsonHeader } from './json-header.js';
import { SerializeType, bodyLength, type OutgoingCommand, type RemotingCommand } from './remoting-command.js';

/** Java's default com.rocketmq.remoting.frameMaxLength: the whole frame, length field included. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

const MAX_HEADER_LENGTH = 0xffffff;

/** Bodies up to this size are copied next to the header rather than written as a chunk of their own. */
const COPY_BODY_MAX = 8 * 1024;

/**
 * A frame as buffers to write in order: the first holds length, header word and header; the
 * body follows as it was given, except that a small body is copied into the first buffer.
 */
export function encodeFrameChunks(cmd: OutgoingCommand): Buffer[] {
  const bodyLen = bodyLength(cmd.body);
  let head: Buffer;
  if (cmd.serializeType === SerializeType.ROCKETMQ) {
    const headerLen = binaryHeaderLength(cmd);
    head = Buffer.allocUnsafe(8 + headerLen);
    writeBinaryHeader(cmd, head, 8);
    writePrefix(head, headerLen, bodyLen, SerializeType.ROCKETMQ);
  } else {
    const json = encodeJsonHeader(cmd);
    const headerLen = Buffer.byteLength(json);
    const body = cmd.body;
    if (bodyLen > 0 && bodyLen <= COPY_BODY_MAX && Buffer.isBuffer(body)) {
      // A small body goes in the same buffer: one write of one chunk costs the socket less than
      // a gathered write of two (measured: about 0.8 KiB less garbage per request).
      const frame = Buffer.allocUnsafe(8 + headerLen + bodyLen);
      frame.write(json, 8, 'utf8');
      body.copy(frame, 8 + headerLen);
      writePrefix(frame, headerLen, bodyLen, SerializeType.JSON);
      return [frame];
    }
    head = Buffer.allocUnsafe(8 + headerLen);
    head.write(json, 8, 'utf8');
    writePrefix(head, headerLen, bodyLen, SerializeType.JSON);
  }
  const body = cmd.body;
  if (body === undefined || bodyLen === 0) return [head];
  if (Buffer.isBuffer(body)) return [head, body];
  const chunks = [head];
  for (const b of body as readonly Buffer[]) if (b.length > 0) chunks.push(b);
  return chunks;
}

function writePrefix(head: Buffer, headerLen: number, bodyLen: number, type: SerializeType): void {
  if (headerLen > MAX_HEADER_LENGTH) throw new ContrailError('FRAME_TOO_LARGE', `header of ${headerLen} bytes`);
  head.writeUInt32BE(4 + headerLen + bodyLen, 0);
  head.writeUInt32BE(((type << 24) | headerLen) >>> 0, 4);
}

/** A frame as one buffer (tests and cold paths; hot paths write the chunks). */
export function encodeFrame(cmd: OutgoingCommand): Buffer {
  const chunks = encodeFrameChunks(cmd);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * Decodes the frame content `buf[start, end)` (everything after the length field). The body
 * is a view into `buf`, not a copy.
 */
export function decodeFrameContent(buf: Buffer, start: number, end: number): RemotingCommand {
  if (end - start < 4) throw new ContrailError('FRAME_MALFORMED', 'frame shorter than its header word');
  const word = buf.readUInt32BE(start);
  const type = word >>> 24;
  const headerLen = word & MAX_HEADER_LENGTH;
  const headerEnd = start + 4 + headerLen;
  if (headerEnd > end) throw new ContrailError('FRAME_MALFORMED', `header length ${headerLen} exceeds the frame`);
  let cmd: RemotingCommand;
  if (type === SerializeType.JSON) cmd = decodeJsonHeader(buf, start + 4, headerEnd);
  else if (type === SerializeType.ROCKETMQ) cmd = decodeBinaryHeader(buf, start + 4, headerEnd);
  else throw new ContrailError('FRAME_MALFORMED', `unknown serialize type ${type}`);
  if (headerEnd < end) cmd.body = buf.subarray(headerEnd, end);
  return cmd;
}

/** Decodes one whole frame, length field included. */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new ContrailError('FRAME_MALFORMED', 'frame shorter than its length field');
  const len = frame.readUInt32BE(0);
  if (len !== frame.length - 4) throw new ContrailError('FRAME_MALFORMED', `length field ${len} does not match ${frame.length - 4}`);
  return decodeFrameContent(frame, 4, frame.length);
}
