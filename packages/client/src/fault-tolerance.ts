// Latency fault avoidance (RocketMQ's MQFaultStrategy): after a failed send a broker is
// skipped for a while, and a slow one for a time that grows with its latency. Times are
// passed in, so the policy is a pure function of what happened.

/** Latency thresholds (ms) and how long a broker at or above each one is avoided. */
const LATENCY_MAX = [50, 100, 550, 1000, 2000, 3000, 15000] as const;
const NOT_AVAILABLE_MS = [0, 0, 30_000, 60_000, 120_000, 180_000, 600_000] as const;

interface FaultItem {
  latencyMs: number;
  availableAt: number;
}

export class LatencyFaultTolerance {
  readonly #items = new Map<string, FaultItem>();
  readonly #isolationMs: number;

  /** `isolationMs`: how long a broker that failed (not merely slow) is avoided. */
  constructor(isolationMs = 30_000) {
    this.#isolationMs = isolationMs;
  }

  /** Records the outcome of one send to `brokerName`. */
  update(brokerName: string, latencyMs: number, failed: boolean, now = Date.now()): void {
    const duration = failed ? this.#isolationMs : notAvailableDuration(latencyMs);
    if (duration <= 0 && !this.#items.has(brokerName)) return;
    this.#items.set(brokerName, { latencyMs: failed ? Number.MAX_SAFE_INTEGER : latencyMs, availableAt: now + duration });
  }

  isAvailable(brokerName: string, now = Date.now()): boolean {
    const item = this.#items.get(brokerName);
    return item === undefined || item.availableAt <= now;
  }

  /** Of `names`, the one that becomes usable soonest (then the fastest): for when all are avoided. */
  leastBad(names: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestItem: FaultItem | undefined;
    for (const name of names) {
      const item = this.#items.get(name);
      if (item === undefined) return name;
      if (
        bestItem === undefined ||
        item.availableAt < bestItem.availableAt ||
        (item.availableAt === bestItem.availableAt && item.latencyMs < bestItem.latencyMs)
      ) {
        best = name;
        bestItem = item;
      }
    }
    return best;
  }

  remove(brokerName: string): void {
    this.#items.delete(brokerName);
  }
}

export function notAvailableDuration(latencyMs: number): number {
  for (let i = LATENCY_MAX.length - 1; i >= 0; i--) {
    if (latencyMs >= (LATENCY_MAX[i] as number)) return NOT_AVAILABLE_MS[i] as number;
  }
  return 0;
}
