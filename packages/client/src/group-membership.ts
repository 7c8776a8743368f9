// What the consumers that take part in a group share: the client underneath, the group's
// requests, background timers that stop together, and a rebalance that runs one at a time
// and is triggered when the broker says the group's members changed.
import type { Logger } from '@contrail/common';
import { ClientInstance, asError, type ClientOptions } from './client-instance.js';
import { ConsumerRequests } from './consumer-requests.js';
import type { ConsumerData } from './heartbeat-data.js';
import type { MessageQueue } from './message-queue.js';

/** Interval tasks that never keep the process alive; a failure is logged, the timer goes on. */
export class BackgroundTimers {
  #timers: NodeJS.Timeout[] = [];

  constructor(private readonly log: Logger) {}

  every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => {
      fn().catch((err: unknown) => this.log.error({ err }, 'background task failed'));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  clear(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }
}

export interface GroupMemberHooks {
  /** What the heartbeat says about this consumer. */
  consumerData(): ConsumerData[];
  /** One rebalance pass over the subscriptions. */
  rebalanceOnce(): Promise<void>;
  /** False: rebalance() does nothing (not running, or in a mode without rebalancing). */
  rebalanceEnabled(): boolean;
}

/** A consumer's membership of its group. */
export class GroupMember {
  readonly client: ClientInstance;
  readonly requests: ConsumerRequests;
  readonly timers: BackgroundTimers;
  readonly #hooks: GroupMemberHooks;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(options: ClientOptions, group: string, component: string, hooks: GroupMemberHooks) {
    this.#hooks = hooks;
    this.client = new ClientInstance(
      options,
      {
        producerGroups: () => [],
        consumerData: () => hooks.consumerData(),
        onConsumerIdsChanged: (changed) => {
          if (changed === group) this.triggerRebalance();
        },
      },
      component,
    );
    this.requests = new ConsumerRequests(this.client, group);
    this.timers = new BackgroundTimers(this.client.log);
  }

  /** Routes of `topics`, a heartbeat, then a rebalance: the broker must know us before we count the group. */
  async join(topics: Iterable<string>): Promise<void> {
    await Promise.all(
      [...topics].map((topic) =>
        this.client.refreshRoute(topic).catch((err: unknown) => {
          this.client.emit({ type: 'route-error', topic, error: asError(err) });
        }),
      ),
    );
    await this.client.heartbeat();
    await this.rebalance();
  }

  /** One rebalance at a time; asked for while one runs, it runs once more when that one ends. */
  rebalance(): Promise<void> {
    if (!this.#hooks.rebalanceEnabled()) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const loop = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.#hooks.rebalanceOnce();
      } while (this.#again && this.#hooks.rebalanceEnabled());
    };
    this.#running = loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** A pull failed: logged and reported as a pull-error event (the caller waits and retries). */
  pullFailed(queue: MessageQueue, err: unknown): void {
    this.client.log.warn({ err, queue }, 'pull failed');
    this.client.emit({ type: 'pull-error', queue, error: asError(err) });
  }

  /** rebalance() in the background; a failure is logged. */
  triggerRebalance(): void {
    this.rebalance().catch((err: unknown) => this.client.log.error({ err }, 'rebalance failed'));
  }
}
