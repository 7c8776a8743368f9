// Time budget of each property test: at least 10 s in CI, about 1 s locally.

export function fuzzBudgetMs(): number {
  const fromEnv = Number(process.env.CONTRAIL_FUZZ_MS);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return process.env.CI === 'true' || process.env.CI === '1' ? 10_000 : 1_000;
}

/** fast-check parameters: run for the whole budget, then stop without failing. */
export function fuzzParameters(): { numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: false } {
  return { numRuns: Number.POSITIVE_INFINITY, interruptAfterTimeLimit: fuzzBudgetMs(), markInterruptAsFailure: false };
}
