// The NameServer: a RemotingServer with the route processors, a scan that forgets brokers
// that stopped registering, and immediate forgetting when a broker's connection closes.
// Each instance has its own state; several run side by side without knowing each other.

import { createLogger, type Logger } from '@contrail/common';
import { RemotingServer, type RemotingConnection } from '@contrail/remoting';
import { KvConfigManager } from './kv-config-manager.js';
import { registerBrokerProcessors } from './processors/broker-processors.js';
import { registerKvProcessors } from './processors/kv-processors.js';
import type { NamesrvContext } from './processors/namesrv-context.js';
import { registerPermProcessors } from './processors/perm-processors.js';
import { registerRouteProcessors } from './processors/route-processors.js';
import { RouteInfoManager } from './route-info-manager.js';

export interface NameServerOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 9876; 0 picks an ephemeral port (see `port`). */
  port?: number;
  /** The clock for broker expiry (tests inject one). Default Date.now. */
  now?: () => number;
  /** How often silent brokers are looked for (default 10 s). */
  scanIntervalMs?: number;
  /** A broker not heard from for this long is forgotten (default 120 s). */
  brokerExpiredMs?: number;
  /** Idle connections are closed after this long (default 120 s). */
  idleTimeoutMs?: number;
  logger?: Logger;
}

export class NameServer {
  readonly routes = new RouteInfoManager();
  readonly kv = new KvConfigManager();
  readonly #server: RemotingServer;
  readonly #ctx: NamesrvContext;
  readonly #options: NameServerOptions;
  #scanTimer: NodeJS.Timeout | undefined;

  constructor(options: NameServerOptions = {}) {
    this.#options = options;
    const log = options.logger ?? createLogger('namesrv');
    this.#ctx = { routes: this.routes, kv: this.kv, now: options.now ?? Date.now, log };
    this.#server = new RemotingServer({
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 9876,
      logger: log,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    });
    registerBrokerProcessors(this.#server, this.#ctx);
    registerRouteProcessors(this.#server, this.#ctx);
    registerKvProcessors(this.#server, this.#ctx);
    registerPermProcessors(this.#server, this.#ctx);
    // No default processor: unknown codes get 3 rather than Java's silence (remoting.md must-do 12).
    this.#server.onDisconnect((connection) => this.#onConnectionClosed(connection));
  }

  /** The bound port, after start(). */
  get port(): number {
    return this.#server.port;
  }

  async start(): Promise<void> {
    await this.#server.start();
    this.#scanTimer = setInterval(() => {
      try {
        this.scanNotActiveBrokers();
      } catch (err) {
        this.#ctx.log.error({ err }, 'broker scan failed');
      }
    }, this.#options.scanIntervalMs ?? 10_000);
    this.#scanTimer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.#scanTimer) clearInterval(this.#scanTimer);
    this.#scanTimer = undefined;
    await this.#server.shutdown();
  }

  /** Forgets brokers silent for longer than brokerExpiredMs and closes their connections; returns how many. */
  scanNotActiveBrokers(): number {
    const expired = this.routes.scanNotActiveBroker(this.#ctx.now(), this.#options.brokerExpiredMs ?? 120_000);
    for (const live of expired) {
      this.#ctx.log.warn({ remote: live.connection?.remoteAddress }, 'broker expired');
      live.connection?.close();
    }
    return expired.length;
  }

  #onConnectionClosed(connection: RemotingConnection): void {
    const brokerAddr = this.routes.brokerAddrOf(connection);
    if (brokerAddr === undefined) return;
    this.#ctx.log.info({ brokerAddr }, "broker's connection closed, forgetting it");
    this.routes.removeBrokerAddr(brokerAddr);
  }
}
