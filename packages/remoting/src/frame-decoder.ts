// Incremental frame decoder for a byte stream. Frames that lie whole inside a chunk are
// decoded in place (bodies are views into the chunk); only a frame split across chunks is
// copied, once, into a buffer of exactly its size. A large frame gets that buffer as soon as
// its length is known, and a transport that can read into a buffer of its choosing (see
// directTarget) then reads the rest of the frame straight into it: no copy at all.

import { ContrailError } from '@contrail/common';
import { MAX_FRAME_LENGTH, decodeFrameContent } from './frame-codec.js';
import type { RemotingCommand } from './remoting-command.js';

/** Frames of at least this many bytes are assembled in their own buffer as they arrive. */
export const DIRECT_FRAME_MIN = 128 * 1024;

export class FrameDecoder {
  readonly #maxFrameLength: number;
  readonly #onCommand: (cmd: RemotingCommand) => void;
  /** Chunks (or their tails) of the frame that is not complete yet. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Whole size of the pending frame, length field included; -1 until its length is known. */
  #needed = -1;
  /** A large frame being filled in place, and how many of its bytes are there. */
  #direct: Buffer | undefined;
  #directFilled = 0;
  #failed = false;

  constructor(onCommand: (cmd: RemotingCommand) => void, maxFrameLength = MAX_FRAME_LENGTH) {
    this.#onCommand = onCommand;
    this.#maxFrameLength = maxFrameLength;
  }

  /** Bytes held for a frame that has not been completed. */
  get bufferedBytes(): number {
    return this.#pendingBytes + this.#directFilled;
  }

  /** Where the next bytes of the stream belong when a large frame is being filled, else undefined. */
  directTarget(): Buffer | undefined {
    return this.#direct?.subarray(this.#directFilled);
  }

  /** `n` bytes of the stream were written at the start of the last directTarget(). */
  directWritten(n: number): void {
    this.#guard(() => this.#fill(n));
  }

  /**
   * Feeds bytes; calls onCommand for every complete frame, in order. Throws a ContrailError
   * (FRAME_TOO_LARGE or FRAME_MALFORMED) on bad input; after that the stream cannot be
   * resynchronised and every later push throws too.
   */
  push(chunk: Buffer): void {
    this.#guard(() => this.#push(chunk));
  }

  #guard(work: () => void): void {
    if (this.#failed) throw new ContrailError('FRAME_MALFORMED', 'decoder already failed');
    try {
      work();
    } catch (err) {
      this.#failed = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#direct = undefined;
      this.#directFilled = 0;
      throw err;
    }
  }

  /** The large frame got `n` more bytes; decodes it once it is whole. */
  #fill(n: number): void {
    const frame = this.#direct;
    if (frame === undefined || n < 0 || this.#directFilled + n > frame.length) throw new ContrailError('FRAME_MALFORMED', 'bytes written past the frame being filled');
    this.#directFilled += n;
    if (this.#directFilled < frame.length) return;
    this.#direct = undefined;
    this.#directFilled = 0;
    this.#onCommand(decodeFrameContent(frame, 4, frame.length));
  }

  #push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#direct !== undefined) {
      // Bytes of the large frame that came the ordinary way: copy them in.
      const take = Math.min(chunk.length, this.#direct.length - this.#directFilled);
      chunk.copy(this.#direct, this.#directFilled, 0, take);
      this.#fill(take);
      if (take < chunk.length) this.#push(chunk.subarray(take));
      return;
    }
    if (this.#pendingBytes === 0) {
      this.#scan(chunk, 0);
      return;
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#needed < 0) {
      if (this.#pendingBytes < 4) return;
      this.#needed = this.#frameSize(this.#peekLength());
      if (this.#needed >= DIRECT_FRAME_MIN && this.#pendingBytes < this.#needed) return this.#startDirect();
    }
    if (this.#pendingBytes < this.#needed) return;
    // The frame is complete: copy exactly its bytes, then scan the rest of the last chunk in place.
    const frame = Buffer.allocUnsafe(this.#needed);
    let copied = 0;
    let rest: Buffer | undefined;
    for (const c of this.#pending) {
      const take = Math.min(c.length, this.#needed - copied);
      c.copy(frame, copied, 0, take);
      copied += take;
      if (take < c.length) rest = c.subarray(take);
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#needed = -1;
    this.#onCommand(decodeFrameContent(frame, 4, frame.length));
    if (rest !== undefined) this.#scan(rest, 0);
  }

  /** Decodes the frames that lie whole in `buf` from `offset`; keeps the tail pending. */
  #scan(buf: Buffer, offset: number): void {
    let off = offset;
    for (;;) {
      const remaining = buf.length - off;
      if (remaining === 0) return;
      if (remaining < 4) {
        this.#keep(buf.subarray(off), -1);
        return;
      }
      const size = this.#frameSize(buf.readUInt32BE(off));
      if (remaining < size) {
        this.#keep(buf.subarray(off), size);
        return;
      }
      const cmd = decodeFrameContent(buf, off + 4, off + size);
      off += size;
      this.#onCommand(cmd);
    }
  }

  #keep(tail: Buffer, needed: number): void {
    this.#pending = [tail];
    this.#pendingBytes = tail.length;
    this.#needed = needed;
    if (needed >= DIRECT_FRAME_MIN) this.#startDirect();
  }

  /** Moves the pending bytes of a large frame into a buffer of its size. */
  #startDirect(): void {
    const frame = Buffer.allocUnsafe(this.#needed);
    let at = 0;
    for (const c of this.#pending) {
      c.copy(frame, at);
      at += c.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#needed = -1;
    this.#direct = frame;
    this.#directFilled = at;
  }

  #frameSize(length: number): number {
    if (length < 4) throw new ContrailError('FRAME_MALFORMED', `frame length ${length} is shorter than a header word`);
    const size = length + 4;
    if (size > this.#maxFrameLength) {
      throw new ContrailError('FRAME_TOO_LARGE', `frame of ${size} bytes exceeds ${this.#maxFrameLength}`);
    }
    return size;
  }

  #peekLength(): number {
    let n = 0;
    let got = 0;
    for (const c of this.#pending) {
      for (let i = 0; i < c.length && got < 4; i++, got++) n = n * 256 + (c[i] as number);
      if (got === 4) break;
    }
    return n;
  }
}
