// One remoting connection: frames in and out over a Transport, requests matched to
// responses by opaque, server-to-client (or client-to-server) requests handed to a handler.

import { ContrailError, createLogger, type Logger } from '@contrail/common';
import { FrameDecoder } from './frame-decoder.js';
import { encodeFrameChunks } from './frame-codec.js';
import { InFlightTable, type ResponseCallback } from './in-flight-table.js';
import {
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  createResponse,
  isOneway,
  isResponse,
  type OutgoingCommand,
  type RemotingCommand,
} from './remoting-command.js';
import { ResponseCode } from './response-code.js';
import type { Transport } from './transport.js';

/** Handles a request that arrived on `connection`; answers with connection.send(). */
export type RequestHandler = (request: RemotingCommand, connection: RemotingConnection) => void;

export interface RemotingConnectionOptions {
  /** Requests from the peer; without a handler they are answered with code 3. */
  onRequest?: RequestHandler;
  /** How often in-flight requests are checked for timeouts (default 100 ms). */
  sweepIntervalMs?: number;
  maxFrameLength?: number;
  logger?: Logger;
}

export type CloseListener = (error: Error | undefined) => void;

export class RemotingConnection {
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Date.now() of the last byte read or frame written; the server's idle check reads it. */
  lastActivity = Date.now();
  readonly #inFlight: InFlightTable;
  readonly #decoder: FrameDecoder;
  readonly #log: Logger;
  #onRequest: RequestHandler | undefined;
  #nextOpaque = 0;
  #closed = false;
  #closeError: Error | undefined;
  #needDrain = false;
  readonly #closeListeners: CloseListener[] = [];
  readonly #drainListeners: (() => void)[] = [];

  constructor(transport: Transport, options: RemotingConnectionOptions = {}) {
    this.transport = transport;
    this.remoteAddress = transport.remoteAddress;
    this.localAddress = transport.localAddress;
    this.#onRequest = options.onRequest;
    this.#log = options.logger ?? createLogger('remoting');
    this.#inFlight = new InFlightTable(options.sweepIntervalMs ?? 100, () => this.remoteAddress);
    this.#decoder = new FrameDecoder((cmd) => this.#dispatch(cmd), options.maxFrameLength);
    transport.attach({
      onData: (chunk) => this.#onData(chunk),
      readTarget: () => this.#decoder.directTarget(),
      onDirectRead: (n) => this.#onDirectRead(n),
      onDrain: () => this.#onDrain(),
      onClose: (error) => this.#onClose(error),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False while the write buffer is over its high-water mark (wait for onDrain). */
  get writable(): boolean {
    return !this.#closed && !this.#needDrain;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.#onRequest = handler;
  }

  onClose(listener: CloseListener): void {
    if (this.#closed) process.nextTick(listener, this.#closeError);
    else this.#closeListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  /** Sends `cmd` (its opaque is assigned here) and resolves with the response. */
  request(cmd: OutgoingCommand, timeoutMs: number): Promise<RemotingCommand> {
    return new Promise((resolve, reject) => {
      this.requestCallback(cmd, timeoutMs, (err, res) => {
        if (err !== undefined || res === undefined) reject(err ?? new ContrailError('SYSTEM_ERROR', 'no response'));
        else resolve(res);
      });
    });
  }

  /**
   * Like request(), without a promise: for callers that batch many requests. `onWritten` runs
   * once the frame has been handed to the OS, or failed, or was never written (the connection
   * had closed): from then on nothing reads the command's body.
   */
  requestCallback(cmd: OutgoingCommand, timeoutMs: number, callback: ResponseCallback, onWritten?: () => void): void {
    if (this.#closed) {
      process.nextTick(callback, this.#closedError(), undefined);
      if (onWritten) process.nextTick(onWritten);
      return;
    }
    const opaque = this.#assignOpaque(cmd);
    cmd.flag &= ~(FLAG_RESPONSE | FLAG_ONEWAY);
    this.#inFlight.add(opaque, cmd.code, timeoutMs, callback);
    this.#write(cmd, onWritten);
  }

  /** Sends `cmd` with the oneway flag; no response is expected. False if not written. */
  oneway(cmd: OutgoingCommand): boolean {
    if (this.#closed) return false;
    this.#assignOpaque(cmd);
    cmd.flag = (cmd.flag | FLAG_ONEWAY) & ~FLAG_RESPONSE;
    this.#write(cmd);
    return true;
  }

  /**
   * Writes `cmd` as it is (a response keeps the request's opaque). Returns false when the
   * write buffer is full. `onWritten` runs once the frame has been handed to the OS.
   */
  send(cmd: OutgoingCommand, onWritten?: () => void): boolean {
    if (this.#closed) {
      if (onWritten) process.nextTick(onWritten);
      return false;
    }
    return this.#write(cmd, onWritten);
  }

  pauseReading(): void {
    this.transport.pause();
  }

  resumeReading(): void {
    this.transport.resume();
  }

  /** Flushes pending writes, then closes. In-flight requests fail with CONNECTION_CLOSED. */
  close(): void {
    if (!this.#closed) this.transport.end();
  }

  /** Closes at once. */
  destroy(error?: Error): void {
    if (!this.#closed) this.transport.destroy(error);
  }

  /** Resolves when the connection has closed. */
  whenClosed(): Promise<void> {
    return new Promise((resolve) => this.onClose(() => resolve()));
  }

  #assignOpaque(cmd: OutgoingCommand): number {
    const opaque = this.#nextOpaque;
    this.#nextOpaque = (opaque + 1) | 0;
    cmd.opaque = opaque;
    return opaque;
  }

  #write(cmd: OutgoingCommand, onWritten?: () => void): boolean {
    let chunks: Buffer[];
    try {
      chunks = encodeFrameChunks(cmd);
    } catch (err) {
      // A command we cannot encode is our bug, not the peer's: fail that request only.
      const error = err instanceof ContrailError ? err : new ContrailError('SYSTEM_ERROR', String(err), { cause: err });
      this.#log.error({ err: error, code: cmd.code }, 'cannot encode command');
      if (!isResponse(cmd)) this.#inFlight.fail(cmd.opaque, error);
      if (onWritten) process.nextTick(onWritten);
      return true;
    }
    this.lastActivity = Date.now();
    const ok = this.transport.write(chunks, onWritten);
    if (!ok) this.#needDrain = true;
    return ok;
  }

  #onData(chunk: Buffer): void {
    this.#decode(() => this.#decoder.push(chunk));
  }

  #onDirectRead(n: number): void {
    this.#decode(() => this.#decoder.directWritten(n));
  }

  #decode(feed: () => void): void {
    this.lastActivity = Date.now();
    try {
      feed();
    } catch (err) {
      // Bad bytes cost this connection only; the process and other connections carry on.
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.warn({ err: error, remote: this.remoteAddress }, 'closing connection after a bad frame');
      this.transport.destroy(error);
    }
  }

  #dispatch(cmd: RemotingCommand): void {
    if (isResponse(cmd)) {
      try {
        if (!this.#inFlight.complete(cmd)) {
          this.#log.debug({ opaque: cmd.opaque, remote: this.remoteAddress }, 'response for an unknown or expired request');
        }
      } catch (err) {
        this.#log.error({ err, code: cmd.code }, 'response callback threw');
      }
      return;
    }
    const handler = this.#onRequest;
    if (handler === undefined) {
      if (!isOneway(cmd)) {
        const remark = ` request type ${cmd.code} not supported`;
        this.send(createResponse(cmd, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {}, undefined, remark));
      }
      return;
    }
    try {
      handler(cmd, this);
    } catch (err) {
      this.#log.error({ err, code: cmd.code }, 'request handler threw');
    }
  }

  #onDrain(): void {
    this.#needDrain = false;
    for (const l of this.#drainListeners) l();
  }

  #onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#inFlight.failAll(this.#closedError());
    for (const l of this.#closeListeners.splice(0)) {
      try {
        l(error);
      } catch (err) {
        this.#log.error({ err }, 'close listener threw');
      }
    }
    this.#drainListeners.length = 0;
  }

  #closedError(): ContrailError {
    const why = this.#closeError ? `: ${this.#closeError.message}` : '';
    return new ContrailError('CONNECTION_CLOSED', `connection to ${this.remoteAddress} closed${why}`, {
      cause: this.#closeError,
    });
  }
}
