// The byte pipe under a connection. The core never touches node:net: production wraps a
// socket, tests wrap an in-memory duplex pair (memory-transport.ts).

import type { Duplex } from 'node:stream';

export interface TransportHandlers {
  onData(chunk: Buffer): void;
  /**
   * Where the next bytes should be read to, when the reader has a place for them (a large
   * frame being filled); undefined: a fresh buffer, delivered through onData. Only transports
   * that read into buffers of their choosing ask (DirectReads).
   */
  readTarget?(): Buffer | undefined;
  /** `n` bytes were read into the last readTarget(). */
  onDirectRead?(n: number): void;
  /** The write buffer has emptied after a write returned false. */
  onDrain(): void;
  /** Called once, whatever the reason (peer closed, error, destroy). */
  onClose(error?: Error): void;
}

export interface Transport {
  /** "host:port" of the peer (empty when unknown). */
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Starts delivering events; call once. */
  attach(handlers: TransportHandlers): void;
  /**
   * Writes the chunks in order. The first write of an event-loop turn goes out at once;
   * later writes of the same turn leave together (one writev). Returns false when the write
   * buffer is over its high-water mark.
   * `onWritten` runs once the last chunk has been handed to the OS (or the write failed).
   */
  write(chunks: readonly Buffer[], onWritten?: () => void): boolean;
  /** Stops and restarts reading (backpressure towards the peer). */
  pause(): void;
  resume(): void;
  /** Flushes what is queued, then closes. */
  end(): void;
  /** Closes at once; queued writes are dropped. */
  destroy(error?: Error): void;
}

/** Size of the buffers a DirectReads socket reads into when there is no frame to fill. */
const READ_SIZE = 64 * 1024;

/**
 * The `onread` side of a socket created with `onread: { buffer: () => r.buffer(), callback:
 * (n, b) => r.read(n, b) }`: reads go into the handlers' readTarget() when there is one, else
 * into one reused buffer whose `n` bytes are copied out for onData. (A fresh 64 KiB buffer
 * per read stays alive behind every small view into it; tried first, it made W3's p99 five
 * times worse in a full bench run, most likely through the garbage collector.)
 */
export class DirectReads {
  #handlers: TransportHandlers | undefined;
  #target: Buffer | undefined;
  #scratch: Buffer | undefined;
  /** Bytes read before attach() (kept: each read went to a buffer of its own). */
  #early: Buffer[] = [];

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) handlers.onData(chunk);
  }

  buffer(): Buffer {
    this.#target = this.#handlers?.readTarget?.();
    return this.#target ?? (this.#scratch ??= Buffer.allocUnsafe(READ_SIZE));
  }

  /** The `onread` callback: true keeps reading (false would pause the socket). */
  read(n: number, buf: Uint8Array): boolean {
    const h = this.#handlers;
    if (n <= 0) return true;
    if (this.#target !== undefined && buf === this.#target) {
      this.#target = undefined;
      h?.onDirectRead?.(n);
      return true;
    }
    const chunk = Buffer.from(buf.subarray(0, n));
    if (h === undefined) this.#early.push(chunk);
    else h.onData(chunk);
    return true;
  }
}

/** A Transport over any node Duplex (a net.Socket, or one end of an in-memory pair). */
export class StreamTransport implements Transport {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly #stream: Duplex;
  /** A write was made in this turn (until the next tick). */
  #wroteThisTurn = false;
  #corked = false;
  readonly #turnEnd = (): void => {
    this.#wroteThisTurn = false;
    if (this.#corked) {
      this.#corked = false;
      this.#stream.uncork();
    }
  };

  readonly #direct: DirectReads | undefined;

  /** `direct`: the stream was made with `onread` feeding it (it emits no 'data' events). */
  constructor(stream: Duplex, remoteAddress: string, localAddress = '', direct?: DirectReads) {
    this.#stream = stream;
    this.#direct = direct;
    this.remoteAddress = remoteAddress;
    this.localAddress = localAddress;
  }

  attach(handlers: TransportHandlers): void {
    const s = this.#stream;
    let closed = false;
    let lastError: Error | undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      handlers.onClose(lastError);
    };
    if (this.#direct !== undefined) this.#direct.attach(handlers);
    else s.on('data', (chunk: Buffer) => handlers.onData(chunk));
    s.on('drain', () => handlers.onDrain());
    s.on('error', (err: Error) => {
      lastError = err;
    });
    // Remoting has no use for half-open streams: when the peer stops sending, flush what we
    // still have for it and close.
    s.on('end', () => s.end());
    s.on('close', close);
    if (s.destroyed) process.nextTick(close);
  }

  write(chunks: readonly Buffer[], onWritten?: () => void): boolean {
    const s = this.#stream;
    if (s.destroyed || s.writableEnded) {
      if (onWritten) process.nextTick(onWritten);
      return false;
    }
    // The first write of a turn goes out at once (a lone request or response, as most are, is
    // one write with nothing gathered); from the second on, the writes of the turn are
    // gathered and leave together when it ends.
    const first = !this.#wroteThisTurn;
    if (first) {
      this.#wroteThisTurn = true;
      process.nextTick(this.#turnEnd);
    }
    // A frame of several chunks (a pull response's records) is gathered even when first.
    if ((!first || chunks.length > 1) && !this.#corked) {
      this.#corked = true;
      s.cork();
    }
    let ok = true;
    const last = chunks.length - 1;
    for (let i = 0; i <= last; i++) {
      ok = i === last && onWritten ? s.write(chunks[i], () => onWritten()) : s.write(chunks[i]);
    }
    return ok;
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  end(): void {
    this.#stream.end();
  }

  destroy(error?: Error): void {
    this.#stream.destroy(error);
  }
}
