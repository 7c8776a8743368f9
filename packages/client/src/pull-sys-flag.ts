// PULL_MESSAGE sysFlag bits as a client sets them.
import { PullSysFlag } from '@contrail/common';

export { PullSysFlag };

export function buildPullSysFlag(commitOffset: boolean, suspend: boolean, subscription: boolean, litePull = false): number {
  let f = 0;
  if (commitOffset) f |= PullSysFlag.COMMIT_OFFSET;
  if (suspend) f |= PullSysFlag.SUSPEND;
  if (subscription) f |= PullSysFlag.SUBSCRIPTION;
  if (litePull) f |= PullSysFlag.LITE_PULL;
  return f;
}
