// A topic's queue layout and permissions on this broker (RocketMQ's TopicConfig JSON shape).
import { Perm } from '@contrail/common';

export type TopicFilterType = 'SINGLE_TAG' | 'MULTI_TAG';

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: TopicFilterType;
  topicSysFlag: number;
  order: boolean;
}

export function newTopicConfig(topicName: string, queueNums: number, perm: number = Perm.READ | Perm.WRITE): TopicConfig {
  return { topicName, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

export function isReadable(perm: number): boolean {
  return (perm & Perm.READ) !== 0;
}
export function isWriteable(perm: number): boolean {
  return (perm & Perm.WRITE) !== 0;
}
export function isInherited(perm: number): boolean {
  return (perm & Perm.INHERIT) !== 0;
}

/** A TopicConfig from untrusted JSON (a config file or a request), or null if unusable. */
export function topicConfigFromJson(json: unknown, fallbackName?: string): TopicConfig | null {
  if (typeof json !== 'object' || json === null) return null;
  const j = json as Record<string, unknown>;
  const topicName = typeof j.topicName === 'string' ? j.topicName : fallbackName;
  if (topicName === undefined) return null;
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : d);
  return {
    topicName,
    readQueueNums: num(j.readQueueNums, 16),
    writeQueueNums: num(j.writeQueueNums, 16),
    perm: num(j.perm, Perm.READ | Perm.WRITE),
    topicFilterType: j.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
    topicSysFlag: num(j.topicSysFlag, 0),
    order: j.order === true,
  };
}
