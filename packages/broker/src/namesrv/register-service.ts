// Keeps the broker registered: every registerNameServerPeriod, and soon after any topic
// change (changes in one event-loop turn share one registration).
import { createLogger, type Logger } from '@contrail/common';
import type { BrokerOuterApi, BrokerIdentity } from './broker-outer-api.js';
import type { TopicConfigSerializeWrapper } from '../topic/topic-config-manager.js';

export interface RegisterServiceOptions {
  namesrvAddrs: readonly string[];
  identity: () => BrokerIdentity;
  wrapper: () => TopicConfigSerializeWrapper;
  periodMs: number;
  timeoutMs: number;
}

export class RegisterService {
  readonly #api: BrokerOuterApi;
  readonly #o: RegisterServiceOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(api: BrokerOuterApi, options: RegisterServiceOptions, logger: Logger = createLogger('register')) {
    this.#api = api;
    this.#o = options;
    this.#log = logger;
  }

  /** Registers once (awaited), then keeps re-registering. */
  async start(): Promise<void> {
    this.#stopped = false;
    if (this.#o.namesrvAddrs.length === 0) {
      this.#log.warn('no namesrvAddr configured: clients cannot find this broker through a NameServer');
      return;
    }
    await this.registerNow();
    this.#timer = setInterval(() => this.requestRegister(), this.#o.periodMs);
    this.#timer.unref();
  }

  /** Asks for a registration soon (coalesced). */
  requestRegister(): void {
    if (this.#stopped || this.#scheduled || this.#o.namesrvAddrs.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.registerNow().catch((err: unknown) => this.#log.error({ err }, 'register broker failed'));
    });
  }

  /** Registers now; a request during a registration runs once more afterwards. */
  async registerNow(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#api.registerBrokerAll(this.#o.namesrvAddrs, this.#o.identity(), this.#o.wrapper(), this.#o.timeoutMs);
        } while (this.#again && !this.#stopped);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Stops re-registering and unregisters from every NameServer. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#o.namesrvAddrs.length === 0) return;
    await this.#running?.catch(() => undefined);
    await this.#api.unregisterBrokerAll(this.#o.namesrvAddrs, this.#o.identity(), this.#o.timeoutMs);
  }
}
