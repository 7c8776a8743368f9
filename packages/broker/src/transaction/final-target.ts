// Where a committed half message goes: its real topic and queue, through the delay level or
// timer it asked for, exactly as a plain send would route it.
import type { Properties } from '@contrail/common';
import type { BrokerConfig } from '../config/broker-config.js';
import { scheduleTarget } from '../messaging/send-message-service.js';
import { timerTarget } from '../timer/timer-target.js';

export function finalTarget<T extends { topic: string; queueId: number; props: Properties }>(
  target: T,
  sysFlag: number,
  config: Pick<BrokerConfig, 'timerWheelEnable' | 'timerMaxDelaySec'>,
  delayLevels: readonly number[],
): T {
  let timed = target;
  try {
    timed = timerTarget(target, sysFlag, config);
  } catch {
    // The producer already has its answer; a bad timer property now means "deliver now".
  }
  return scheduleTarget(timed, sysFlag, delayLevels.length);
}
