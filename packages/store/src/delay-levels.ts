// The delay-level table ("1s 5s … 2h") and the delivery time RocketMQ stores as the tags
// code of SCHEDULE_TOPIC_XXXX entries, so the schedule service can scan by due time.
import { ContrailError } from '@contrail/common';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDelayLevels(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((level) => {
      const m = /^(\d+)(ms|[smhd])$/.exec(level);
      const unit = m?.[2] === undefined ? undefined : UNIT_MS[m[2]];
      if (m === null || unit === undefined) throw new ContrailError('CONFIG_INVALID', `bad delay level ${JSON.stringify(level)}`);
      return Number(m[1]) * unit;
    });
}

/**
 * Delivery timestamp of a scheduled record. The level comes from the DELAY property, as
 * RocketMQ reads it, and falls back to queueId + 1 (the schedule topic's queue per level).
 */
export function deliverTimestamp(levels: readonly number[], delayProperty: string | undefined, queueId: number, storeTimestamp: number): number {
  let level = Number(delayProperty);
  if (!Number.isInteger(level) || level < 1) level = queueId + 1;
  if (level > levels.length) level = levels.length;
  const delay = levels[level - 1];
  return storeTimestamp + (delay ?? 1000);
}
