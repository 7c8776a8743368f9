// Gives memory back to the operating system once the process has gone quiet after work. A
// burst of sends leaves collected Buffers' pages in the C heap and garbage V8 has not marked
// yet (the launcher's marking triggers let the old generation fill further), and an idle
// broker allocates nothing that would make either go away: its RSS stays at the burst's.
// After two one-second samples in which no message was stored or delivered (an `activity`
// count that did not move) and the event loop was busy less than 20 % of the time (without an
// activity count: less than 2 %), and only when RSS is 32 MiB above what it was at start or
// after the last return (tried or not), this runs a full collection (when the process exposes
// gc, as `contrail` does) and then malloc_trim on the thread pool. The busy share alone was
// not enough: on a VM whose idle broker wakes for its timers about 50 times a second, each
// wake-up counts about 1 ms of loop time, 4-6 % in all, and the return never came.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Logger } from '@contrail/common';

export interface IdleMemoryReturnOptions {
  /** Hands free C-heap pages back; resolves whether any went. */
  trim: () => Promise<boolean>;
  /** A full collection, when the process has one to call. */
  gc?: (() => void) | undefined;
  rss?: () => number;
  utilization?: (since: EventLoopUtilization) => { utilization: number; mark: EventLoopUtilization };
  /** A count that moves with the work that matters (messages stored and delivered). */
  activity?: () => number;
  logger: Logger;
}

const IDLE_SAMPLES = 2;
/** Busy share of a quiet sample without an activity count... */
const IDLE_UTILIZATION = 0.02;
/** ...and with one (the count says no message moved; this only keeps off other work). */
const IDLE_UTILIZATION_WITH_ACTIVITY = 0.2;
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
  #activity: number;
  /** Returns done so far (each: collection, then trim). */
  returns = 0;

  constructor(private readonly o: IdleMemoryReturnOptions) {
    this.#mark = performance.eventLoopUtilization();
    this.#baseline = this.#rss();
    this.#activity = o.activity?.() ?? 0;
  }

  #rss(): number {
    return (this.o.rss ?? process.memoryUsage.rss)();
  }

  /** One sample; call about once a second. Resolves when a return it started is done. */
  async sample(): Promise<void> {
    if (this.#returning) return;
    const { utilization, mark } = (this.o.utilization ?? loopUtilization)(this.#mark);
    this.#mark = mark;
    const activity = this.o.activity?.();
    const still = activity === undefined ? utilization < IDLE_UTILIZATION : activity === this.#activity && utilization < IDLE_UTILIZATION_WITH_ACTIVITY;
    if (activity !== undefined) this.#activity = activity;
    this.#quiet = still ? this.#quiet + 1 : 0;
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
