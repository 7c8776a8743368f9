// Long polling for POP: receives that found nothing wait here per topic until a message
// arrives, something changes that may make one deliverable (an invisible time changed, a
// FIFO group was released), their own wake-up time comes, or the service stops.
interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class PopWaiters {
  readonly #byTopic = new Map<string, Set<Waiter>>();
  /** Bumped on every notification, so a receive can tell whether it missed one. */
  readonly #versions = new Map<string, number>();
  #stopped = false;

  version(topic: string): number {
    return this.#versions.get(topic) ?? 0;
  }

  /** Waits until notified or `until` (epoch ms); returns at once when `seenVersion` is stale. */
  wait(topic: string, until: number, seenVersion: number): Promise<void> {
    if (this.#stopped || this.version(topic) !== seenVersion) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.#byTopic.get(topic);
      if (set === undefined) {
        set = new Set();
        this.#byTopic.set(topic, set);
      }
      const waiters = set;
      const w: Waiter = {
        resolve: () => {
          clearTimeout(w.timer);
          waiters.delete(w);
          if (waiters.size === 0 && this.#byTopic.get(topic) === waiters) this.#byTopic.delete(topic);
          resolve();
        },
        timer: setTimeout(() => w.resolve(), Math.max(0, Math.min(until - Date.now(), 2 ** 31 - 1))),
      };
      waiters.add(w);
    });
  }

  notify(topic: string): void {
    this.#versions.set(topic, this.version(topic) + 1);
    const set = this.#byTopic.get(topic);
    if (set === undefined) return;
    for (const w of [...set]) w.resolve();
  }

  get size(): number {
    let n = 0;
    for (const s of this.#byTopic.values()) n += s.size;
    return n;
  }

  shutdown(): void {
    this.#stopped = true;
    for (const set of [...this.#byTopic.values()]) for (const w of [...set]) w.resolve();
  }
}
