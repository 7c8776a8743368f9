// Gives memory back to the operating system once the process has gone quiet after work. A
// burst of sends leaves collected Buffers' pages in the C heap and garbage V8 has not marked
// yet (the launcher's marking triggers let the old generation fill further), and an idle
// broker allocates nothing that would make either go away: its RSS stays at the burst's.
// After two one-second samples in which the event loop was busy less than 2 % of the time,
// and only when RSS is 32 MiB above what it was at start or after the last return (tried or
// not), this runs a full collection (when the process exposes gc, as `contrail` does) and then
// malloc_trim on the thread pool.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Logger } from '@contrail/common';

export interface IdleMemoryReturnOptions {
  /** Hands free C-heap pages back; resolves whether any went. */
  trim: () => Promise<boolean>;
  /** A full collection, when the process has one to call. */
  gc?: (() => void) | undefined;
  rss?: () => number;
  utilization?: (since: EventLoopUtilization) => { utilization: number; mark: EventLoopUtilization };
  logger: Logger;
}

const IDLE_SAMPLES = 2;
const IDLE_UTILIZATION = 0.02;
const MIN_GROWTH_BYTES = 32 * 1024 * 1024;

function loopUtilization(since: EventLoopUtilization): { utilization: number; mark: EventLoopUtilization } {
  const mark = performance.eventLoopUtilization();
  return { utilization: performance.eventLoopUtilization(mark, since).utilization, mark };
}

/** The gc function a process started with --expose-gc has, else undefined. */
export function exposedGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: unknown }).gc;
  return typeof g === 'function' ? () => (g as () => void)() : undefined;
}

export class IdleMemoryReturn {
  #mark: EventLoopUtilization;
  #quiet = 0;
  #baseline: number;
  #returning = false;
  /** Returns done so far (each: collection, then trim). */
  returns = 0;

  constructor(private readonly o: IdleMemoryReturnOptions) {
    this.#mark = performance.eventLoopUtilization();
    this.#baseline = this.#rss();
  }

  #rss(): number {
    return (this.o.rss ?? process.memoryUsage.rss)();
  }

  /** One sample; call about once a second. Resolves when a return it started is done. */
  async sample(): Promise<void> {
    if (this.#returning) return;
    const { utilization, mark } = (this.o.utilization ?? loopUtilization)(this.#mark);
    this.#mark = mark;
    this.#quiet = utilization < IDLE_UTILIZATION ? this.#quiet + 1 : 0;
    if (this.#quiet < IDLE_SAMPLES) return;
    const before = this.#rss();
    if (before < this.#baseline + MIN_GROWTH_BYTES) return;
    this.#returning = true;
    try {
      const t0 = performance.now();
      this.o.gc?.();
      const gcMs = performance.now() - t0;
      await this.o.trim();
      this.returns++;
      this.o.logger.debug({ rssBefore: before, rssAfter: this.#rss(), gcMs: Math.round(gcMs * 10) / 10, gc: this.o.gc !== undefined }, 'returned memory after going idle');
    } finally {
      // Also after a failure: the next try waits for new growth rather than every 2 s.
      this.#baseline = this.#rss();
      this.#quiet = 0;
      this.#mark = performance.eventLoopUtilization();
      this.#returning = false;
    }
  }
}
