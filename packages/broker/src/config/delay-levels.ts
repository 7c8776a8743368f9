// The delay level table ("1s 5s 10s ..."): level L (1-based) waits delays[L-1] milliseconds.
// "ms" levels exist for tests and fast retry schedules.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDelayLevels(text: string): number[] {
  const parts = text.trim().split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error('must list at least one delay, e.g. "1s 5s 10s"');
  return parts.map((p) => {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(p);
    const unit = m === null ? undefined : UNIT_MS[m[2] ?? ''];
    if (m === null || unit === undefined) throw new Error(`has a bad delay ${JSON.stringify(p)} (use e.g. 500ms, 1s, 2m, 1h, 1d)`);
    return Number(m[1]) * unit;
  });
}
