// Runs at most `max` tasks at once (the push consumer's consume concurrency); the rest wait in
// order. clear() forgets waiting tasks (shutdown); idle() resolves once nothing runs.
export class TaskLimiter {
  readonly #max: number;
  #running = 0;
  #queue: (() => Promise<void>)[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues `task`; it must not throw (callers catch inside). */
  run(task: () => Promise<void>): void {
    this.#queue.push(task);
    this.#next();
  }

  clear(): void {
    this.#queue = [];
    this.#checkIdle();
  }

  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): void {
    while (this.#running < this.#max) {
      const task = this.#queue.shift();
      if (task === undefined) break;
      this.#running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.#running--;
          this.#next();
          this.#checkIdle();
        });
    }
  }

  #checkIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}
