// Client side of remoting: one connection per "host:port", dialed on first use and again
// after it closes, shared by every request to that address.

import { ContrailError, createLogger, type Logger } from '@contrail/common';
import type { OutgoingCommand, RemotingCommand } from './remoting-command.js';
import { RemotingConnection, type RequestHandler } from './remoting-connection.js';
import type { ResponseCallback } from './in-flight-table.js';
import { connectTcp } from './tcp-transport.js';
import type { Transport } from './transport.js';

export interface RemotingClientOptions {
  /** Default 3 s. */
  connectTimeoutMs?: number;
  /** Requests from servers (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE, ...). */
  onRequest?: RequestHandler;
  sweepIntervalMs?: number;
  maxFrameLength?: number;
  /** Replaces TCP (tests). */
  connect?: (addr: string, timeoutMs: number) => Promise<Transport>;
  logger?: Logger;
}

export class RemotingClient {
  readonly #options: RemotingClientOptions;
  readonly #log: Logger;
  readonly #live = new Map<string, RemotingConnection>();
  readonly #connecting = new Map<string, Promise<RemotingConnection>>();
  #shutdown = false;

  constructor(options: RemotingClientOptions = {}) {
    this.#options = options;
    this.#log = options.logger ?? createLogger('remoting-client');
  }

  /** Sends a request to `addr` and resolves with the response (whatever its code). */
  invoke(addr: string, cmd: OutgoingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const live = this.#live.get(addr);
    if (live !== undefined) return live.request(cmd, timeoutMs);
    const started = Date.now();
    return this.connection(addr, Math.min(timeoutMs, this.#connectTimeout())).then((c) =>
      c.request(cmd, Math.max(1, timeoutMs - (Date.now() - started))),
    );
  }

  /**
   * Like invoke(), reporting through a callback: no promise while the connection is up. With a
   * connection already open, `onWritten` runs once the frame has left (see
   * RemotingConnection.requestCallback); otherwise it is never called, and the body is simply
   * not handed back.
   */
  invokeCallback(addr: string, cmd: OutgoingCommand, timeoutMs: number, callback: ResponseCallback, onWritten?: () => void): void {
    const live = this.#live.get(addr);
    if (live !== undefined) return live.requestCallback(cmd, timeoutMs, callback, onWritten);
    this.invoke(addr, cmd, timeoutMs).then(
      (res) => callback(undefined, res),
      (err: unknown) => callback(err instanceof ContrailError ? err : new ContrailError('SYSTEM_ERROR', String(err), { cause: err }), undefined),
    );
  }

  /** Sends a oneway request to `addr`; resolves once it has been queued for writing. */
  async invokeOneway(addr: string, cmd: OutgoingCommand): Promise<void> {
    const c = this.#live.get(addr) ?? (await this.connection(addr));
    if (!c.oneway(cmd)) throw new ContrailError('CONNECTION_CLOSED', `connection to ${addr} closed`);
  }

  /** The connection to `addr`, dialing it if needed. */
  connection(addr: string, timeoutMs = this.#connectTimeout()): Promise<RemotingConnection> {
    if (this.#shutdown) return Promise.reject(new ContrailError('CLIENT_STATE', 'remoting client is shut down'));
    const live = this.#live.get(addr);
    if (live !== undefined) return Promise.resolve(live);
    let pending = this.#connecting.get(addr);
    if (pending === undefined) {
      pending = this.#dial(addr, timeoutMs);
      this.#connecting.set(addr, pending);
    }
    return pending;
  }

  /** Closes the connection to `addr` (the next request dials again). */
  closeConnection(addr: string): void {
    this.#live.get(addr)?.close();
  }

  /** Closes every connection; requests still in flight fail with CONNECTION_CLOSED. */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    await Promise.allSettled([...this.#connecting.values()]);
    const all = [...this.#live.values()];
    for (const c of all) c.destroy();
    await Promise.all(all.map((c) => c.whenClosed()));
  }

  async #dial(addr: string, timeoutMs: number): Promise<RemotingConnection> {
    try {
      const transport = await (this.#options.connect ?? connectTcp)(addr, timeoutMs);
      const connection = new RemotingConnection(transport, {
        logger: this.#log,
        ...(this.#options.onRequest === undefined ? {} : { onRequest: this.#options.onRequest }),
        ...(this.#options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: this.#options.sweepIntervalMs }),
        ...(this.#options.maxFrameLength === undefined ? {} : { maxFrameLength: this.#options.maxFrameLength }),
      });
      if (this.#shutdown) {
        connection.destroy();
        throw new ContrailError('CLIENT_STATE', 'remoting client is shut down');
      }
      this.#live.set(addr, connection);
      connection.onClose((error) => {
        if (this.#live.get(addr) === connection) this.#live.delete(addr);
        this.#log.debug({ addr, err: error }, 'connection closed');
      });
      return connection;
    } finally {
      this.#connecting.delete(addr);
    }
  }

  #connectTimeout(): number {
    return this.#options.connectTimeoutMs ?? 3000;
  }
}
