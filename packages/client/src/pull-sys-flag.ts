// PULL_MESSAGE sysFlag bits.
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL: 0x10,
} as const;

export function buildPullSysFlag(commitOffset: boolean, suspend: boolean, subscription: boolean, litePull = false): number {
  let f = 0;
  if (commitOffset) f |= PullSysFlag.COMMIT_OFFSET;
  if (suspend) f |= PullSysFlag.SUSPEND;
  if (subscription) f |= PullSysFlag.SUBSCRIPTION;
  if (litePull) f |= PullSysFlag.LITE_PULL;
  return f;
}
