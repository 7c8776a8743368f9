// An interruptible wait: sleep(ms) ends after ms or at the next wake(), whichever is first.
// Background loops and pollers park on it so that shutdown, seek or new data stir them at once.
interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class WakeSignal {
  #waiters: Waiter[] = [];

  /**
   * Waits up to `ms` (until wake() when undefined). `keepAlive` keeps the process running
   * meanwhile: right for a caller awaiting poll(), wrong for a background loop.
   */
  sleep(ms?: number, keepAlive = false): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined };
      if (ms !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve();
        }, ms);
        if (!keepAlive) waiter.timer.unref();
      }
      this.#waiters.push(waiter);
    });
  }

  /** Ends every current sleep. */
  wake(): void {
    const all = this.#waiters;
    if (all.length === 0) return;
    this.#waiters = [];
    for (const w of all) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve();
    }
  }
}
