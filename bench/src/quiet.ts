// Between measurements the machine must be quiet: a server's background work after its run
// (Redis rewriting its AOF once it has doubled, a broker's periodic flush) would otherwise be
// timed as part of whichever peer runs next. Waits until the CPUs are mostly idle over a short
// window, or gives up after a while and says so.
import { cpus } from 'node:os';

export interface CpuSample {
  idle: number;
  total: number;
}

/** CPU time of the whole machine so far (ms, all cores). */
export function cpuSample(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

export interface QuietOptions {
  /** Share of CPU time idle over a window that counts as quiet. */
  idleShare: number;
  windowMs: number;
  maxMs: number;
  sample: () => CpuSample;
  sleep: (ms: number) => Promise<void>;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  /** Idle share of the last window. */
  idleShare: number;
}

const DEFAULTS: QuietOptions = {
  idleShare: 0.85,
  windowMs: 250,
  maxMs: 15_000,
  sample: cpuSample,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function waitForQuiet(options: Partial<QuietOptions> = {}): Promise<QuietResult> {
  const o = { ...DEFAULTS, ...options };
  let waited = 0;
  let share = 0;
  let before = o.sample();
  for (;;) {
    await o.sleep(o.windowMs);
    waited += o.windowMs;
    const after = o.sample();
    const total = after.total - before.total;
    share = total > 0 ? (after.idle - before.idle) / total : 1;
    if (share >= o.idleShare) return { quiet: true, waitedMs: waited, idleShare: share };
    if (waited >= o.maxMs) return { quiet: false, waitedMs: waited, idleShare: share };
    before = after;
  }
}
