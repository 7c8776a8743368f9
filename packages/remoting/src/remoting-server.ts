// A remoting TCP server: accepts connections, dispatches their requests to the registered
// processors, closes idle connections and tells its owner when connections come and go.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ContrailError, createLogger, type Logger } from '@contrail/common';
import type { ProcessorOptions, RemotingProcessor } from './processor.js';
import { RemotingConnection } from './remoting-connection.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { socketTransport } from './tcp-transport.js';
import type { Transport } from './transport.js';

export interface RemotingServerOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 0: an ephemeral port, see `port` after start(). */
  port?: number;
  /** Connections with no traffic for this long are closed (default 120 s; 0 = never). */
  idleTimeoutMs?: number;
  maxFrameLength?: number;
  /** Timeout sweep interval for server-to-client requests. */
  sweepIntervalMs?: number;
  /** How long shutdown() lets connections flush before destroying them (default 3 s). */
  shutdownGraceMs?: number;
  logger?: Logger;
}

export type ConnectionListener = (connection: RemotingConnection) => void;
export type DisconnectListener = (connection: RemotingConnection, error: Error | undefined) => void;

export class RemotingServer {
  readonly #options: RemotingServerOptions;
  readonly #log: Logger;
  readonly #dispatcher: RequestDispatcher;
  readonly #connections = new Set<RemotingConnection>();
  readonly #connectionListeners: ConnectionListener[] = [];
  readonly #disconnectListeners: DisconnectListener[] = [];
  #server: Server | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #port = 0;

  constructor(options: RemotingServerOptions = {}) {
    this.#options = options;
    this.#log = options.logger ?? createLogger('remoting-server');
    this.#dispatcher = new RequestDispatcher(this.#log);
  }

  /** The bound port (after start()). */
  get port(): number {
    return this.#port;
  }

  /** Live connections. */
  get connections(): ReadonlySet<RemotingConnection> {
    return this.#connections;
  }

  registerProcessor(code: number, processor: RemotingProcessor, options?: ProcessorOptions): void {
    this.#dispatcher.register(code, processor, options);
  }

  /** Runs for codes without their own processor (otherwise they get code 3). */
  registerDefaultProcessor(processor: RemotingProcessor, options?: ProcessorOptions): void {
    this.#dispatcher.registerDefault(processor, options);
  }

  onConnection(listener: ConnectionListener): void {
    this.#connectionListeners.push(listener);
  }

  onDisconnect(listener: DisconnectListener): void {
    this.#disconnectListeners.push(listener);
  }

  async start(): Promise<void> {
    if (this.#server) throw new ContrailError('CLIENT_STATE', 'server already started');
    const server = createServer((socket: Socket) => this.accept(socketTransport(socket)));
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#options.port ?? 0, this.#options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      // Port in use and the like: leave the server startable again.
      this.#server = undefined;
      throw err;
    }
    server.on('error', (err) => this.#log.error({ err }, 'server error'));
    this.#port = (server.address() as AddressInfo).port;
    const idle = this.#options.idleTimeoutMs ?? 120_000;
    if (idle > 0) {
      this.#idleTimer = setInterval(() => this.#closeIdle(idle), Math.max(10, Math.min(idle / 4, 10_000)));
      this.#idleTimer.unref();
    }
    this.#log.info({ port: this.#port }, 'remoting server listening');
  }

  /** Serves a transport that did not come from the listener (in-memory tests, other listeners). */
  accept(transport: Transport): RemotingConnection {
    const connection = new RemotingConnection(transport, {
      onRequest: (request, conn) => this.#dispatcher.dispatch(request, conn),
      logger: this.#log,
      ...(this.#options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: this.#options.sweepIntervalMs }),
      ...(this.#options.maxFrameLength === undefined ? {} : { maxFrameLength: this.#options.maxFrameLength }),
    });
    this.#connections.add(connection);
    connection.onDrain(() => connection.resumeReading());
    connection.onClose((error) => {
      this.#connections.delete(connection);
      for (const l of this.#disconnectListeners) this.#safely(() => l(connection, error));
    });
    for (const l of this.#connectionListeners) this.#safely(() => l(connection));
    return connection;
  }

  /** Stops accepting, lets connections flush and closes them. */
  async shutdown(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#idleTimer = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const all = [...this.#connections];
    for (const c of all) c.close();
    const grace = setTimeout(() => {
      for (const c of all) c.destroy();
    }, this.#options.shutdownGraceMs ?? 3000);
    await Promise.all(all.map((c) => c.whenClosed()));
    clearTimeout(grace);
    await closed;
  }

  #closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const c of this.#connections) {
      if (now - c.lastActivity >= idleMs) {
        this.#log.info({ remote: c.remoteAddress }, 'closing idle connection');
        c.destroy();
      }
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'connection listener threw');
    }
  }
}
