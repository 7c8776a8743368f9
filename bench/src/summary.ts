// Pure summarising of run records: medians with min and max per peer and workload, and the
// Contrail ÷ JetStream ratios of one run.
export interface RunRecord {
  peer: string;
  workload: string;
  rep: number;
  metrics?: Record<string, number>;
  error?: string;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface SummaryRow {
  peer: string;
  workload: string;
  runs: number;
  failures: number;
  metrics: Record<string, Stat>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function stat(xs: readonly number[]): Stat | undefined {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return undefined;
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** One row per (peer, workload), in the order they first appear. */
export function summarize(records: readonly RunRecord[]): SummaryRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.workload}\u0000${r.peer}`;
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = []));
    g.push(r);
  }
  const rows: SummaryRow[] = [];
  for (const g of groups.values()) {
    const first = g[0] as RunRecord;
    const names = new Set<string>();
    for (const r of g) for (const k of Object.keys(r.metrics ?? {})) names.add(k);
    const metrics: Record<string, Stat> = {};
    for (const name of names) {
      const s = stat(g.flatMap((r) => (r.metrics?.[name] !== undefined ? [r.metrics[name] as number] : [])));
      if (s !== undefined) metrics[name] = s;
    }
    rows.push({ peer: first.peer, workload: first.workload, runs: g.length, failures: g.filter((r) => r.error !== undefined).length, metrics });
  }
  return rows;
}

export function metricOf(rows: readonly SummaryRow[], peer: string, workload: string, metric: string): number | undefined {
  return rows.find((r) => r.peer === peer && r.workload === workload)?.metrics[metric]?.median;
}

export interface Ratios {
  produce_vs_jetstream: number | null;
  consume_vs_jetstream: number | null;
  sync_p99_vs_jetstream: number | null;
  e2e_p99_ms: number | null;
}

const ratio = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;

/** Contrail ÷ JetStream for W1, W2 (higher is better) and W3 p99 (lower is better); W4 p99 in ms. */
export function ratios(rows: readonly SummaryRow[]): Ratios {
  const c = (w: string, m: string): number | undefined => metricOf(rows, 'contrail', w, m);
  const j = (w: string, m: string): number | undefined => metricOf(rows, 'jetstream', w, m);
  const e2e = c('w4', 'p99_us');
  return {
    produce_vs_jetstream: ratio(c('w1', 'msgs_per_s'), j('w1', 'msgs_per_s')),
    consume_vs_jetstream: ratio(c('w2', 'msgs_per_s'), j('w2', 'msgs_per_s')),
    sync_p99_vs_jetstream: ratio(c('w3', 'p99_us'), j('w3', 'p99_us')),
    e2e_p99_ms: e2e === undefined ? null : Math.round(e2e / 10) / 100,
  };
}
