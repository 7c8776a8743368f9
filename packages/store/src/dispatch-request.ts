// What the reput dispatcher needs to know about one commit-log record to build its
// consume-queue and index entries, taken either from an append or from a recovered record.
import { Prop, SysFlag, SystemTopic, tagsCode, transactionType, type StoredMessage } from '@contrail/common';
import { deliverTimestamp } from './delay-levels.js';

export interface DispatchRequest {
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  size: number;
  tagsCode: number;
  storeTimestamp: number;
  sysFlag: number;
  keys: string | undefined;
  uniqKey: string | undefined;
}

/** PREPARED and ROLLBACK records get no queue offset, consume-queue entry or index entry. */
export function isDispatchable(sysFlag: number): boolean {
  const t = transactionType(sysFlag);
  return t !== SysFlag.TRANSACTION_PREPARED_TYPE && t !== SysFlag.TRANSACTION_ROLLBACK_TYPE;
}

export function computeTagsCode(
  delayLevels: readonly number[],
  topic: string,
  queueId: number,
  storeTimestamp: number,
  tags: string | undefined,
  delay: string | undefined,
): number {
  if (topic === SystemTopic.SCHEDULE) return deliverTimestamp(delayLevels, delay, queueId, storeTimestamp);
  return tagsCode(tags);
}

export function dispatchOfStored(m: StoredMessage, delayLevels: readonly number[]): DispatchRequest {
  const p = m.properties;
  return {
    topic: m.topic,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    physicalOffset: m.physicalOffset,
    size: m.storeSize,
    tagsCode: computeTagsCode(delayLevels, m.topic, m.queueId, m.storeTimestamp, p[Prop.TAGS], p[Prop.DELAY]),
    storeTimestamp: m.storeTimestamp,
    sysFlag: m.sysFlag,
    keys: p[Prop.KEYS],
    uniqKey: p[Prop.UNIQ_KEY],
  };
}
