// Helpers for server tests: a raw socket that counts frames, and small waiting utilities.

import { connect, type Socket } from 'node:net';
import { FrameDecoder, type RemotingCommand } from '../src/index.js';

export interface RawPeer {
  readonly socket: Socket;
  readonly received: RemotingCommand[];
  readonly closed: Promise<void>;
}

/** A plain TCP socket to 127.0.0.1:port that records the frames it receives. */
export async function rawPeer(port: number): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received: RemotingCommand[] = [];
  const decoder = new FrameDecoder((c) => received.push(c));
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received, closed };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A promise with its resolve function, for processors that wait on the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
