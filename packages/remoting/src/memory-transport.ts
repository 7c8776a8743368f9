// Two connected in-memory transports, for tests that need no sockets.

import { Duplex } from 'node:stream';
import { StreamTransport, type Transport } from './transport.js';

class MemoryEnd extends Duplex {
  peer: MemoryEnd | undefined;

  override _read(): void {
    // Data is pushed by the peer's writes.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    // Copied, as a socket would: the writer may reuse its buffer afterwards. Delivered on the
    // next tick, as a socket never hands bytes to the reader inside the writer's call.
    const copy = Buffer.from(chunk);
    process.nextTick(() => this.peer?.push(copy));
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    process.nextTick(() => this.peer?.push(null));
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.destroyed) peer.destroy();
    done(err);
  }
}

/** [a, b]: what one writes the other reads. Destroying one closes both. */
export function createMemoryTransportPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [new StreamTransport(a, 'memory:b', 'memory:a'), new StreamTransport(b, 'memory:a', 'memory:b')];
}
