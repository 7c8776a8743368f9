// Latency histograms in microseconds (HdrHistogram, 3 significant digits).
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  n: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
}

export class LatencyHistogram {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

  /** Records one latency given in nanoseconds. */
  recordNs(ns: number): void {
    this.#h.recordValue(Math.max(1, Math.round(ns / 1000)));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  summary(): LatencySummary {
    const h = this.#h;
    return {
      n: h.totalCount,
      p50_us: h.getValueAtPercentile(50),
      p90_us: h.getValueAtPercentile(90),
      p99_us: h.getValueAtPercentile(99),
      p999_us: h.getValueAtPercentile(99.9),
      max_us: h.maxValue,
      mean_us: Math.round(h.mean * 10) / 10,
    };
  }
}
