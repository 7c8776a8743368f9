// A consumer group's settings on this broker (RocketMQ's SubscriptionGroupConfig JSON shape).

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  /** FIFO consumption (RocketMQ 5): POP holds back later messages of a message group until earlier ones are done. */
  consumeMessageOrderly: boolean;
}

export function newSubscriptionGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    consumeMessageOrderly: false,
  };
}

/** A config from untrusted JSON, defaults for missing fields; null if it names no group. */
export function subscriptionGroupConfigFromJson(json: unknown, fallbackName?: string): SubscriptionGroupConfig | null {
  if (typeof json !== 'object' || json === null) return null;
  const j = json as Record<string, unknown>;
  const groupName = typeof j.groupName === 'string' ? j.groupName : fallbackName;
  if (groupName === undefined) return null;
  const out = newSubscriptionGroupConfig(groupName);
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : d);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : d);
  out.consumeEnable = bool(j.consumeEnable, out.consumeEnable);
  out.consumeFromMinEnable = bool(j.consumeFromMinEnable, out.consumeFromMinEnable);
  out.consumeBroadcastEnable = bool(j.consumeBroadcastEnable, out.consumeBroadcastEnable);
  out.retryQueueNums = num(j.retryQueueNums, out.retryQueueNums);
  out.retryMaxTimes = num(j.retryMaxTimes, out.retryMaxTimes);
  out.brokerId = num(j.brokerId, out.brokerId);
  out.whichBrokerWhenConsumeSlowly = num(j.whichBrokerWhenConsumeSlowly, out.whichBrokerWhenConsumeSlowly);
  out.notifyConsumerIdsChangedEnable = bool(j.notifyConsumerIdsChangedEnable, out.notifyConsumerIdsChangedEnable);
  out.consumeMessageOrderly = bool(j.consumeMessageOrderly, out.consumeMessageOrderly);
  return out;
}
