// Plumbing shared by the consumers that take part in a group: joining it (routes, then a
// heartbeat, so the broker knows the client before the group is counted), a rebalance that
// runs one at a time, and background timers that stop together.
import type { Logger } from '@contrail/common';
import { asError, type ClientInstance } from './client-instance.js';

/** Fetches the routes of `topics` (failures reported as route-error events), then heartbeats. */
export async function announce(client: ClientInstance, topics: Iterable<string>): Promise<void> {
  await Promise.all(
    [...topics].map((topic) =>
      client.refreshRoute(topic).catch((err: unknown) => {
        client.emit({ type: 'route-error', topic, error: asError(err) });
      }),
    ),
  );
  await client.heartbeat();
}

/** Runs `once` one at a time; a run asked for while one is under way makes it run once more. */
export class RerunningTask {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly once: () => Promise<void>,
    /** False: run() does nothing (the owner is not running, or not in a mode that needs it). */
    private readonly enabled: () => boolean,
  ) {}

  run(): Promise<void> {
    if (!this.enabled()) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const loop = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.once();
      } while (this.#again && this.enabled());
    };
    this.#running = loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}

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
