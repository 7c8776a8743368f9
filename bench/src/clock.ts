// CLOCK_MONOTONIC is system-wide, so timestamps taken in two processes compare directly.
export const nowNs = (): bigint => process.hrtime.bigint();
export const sinceNs = (t0: bigint): number => Number(process.hrtime.bigint() - t0);
