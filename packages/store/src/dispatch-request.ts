// What the reput dispatcher needs to know about one commit-log record to build its
// consume-queue and index entries, taken either from an append or from a recovered record.
import { SysFlag, SystemTopic, tagsCode, transactionType, type RecordLayout } from '@contrail/common';
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

/** The properties the dispatcher reads (TAGS, DELAY, KEYS, UNIQ_KEY). */
export interface DispatchProperties {
  tags: string | undefined;
  delay: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
}

/**
 * TAGS, DELAY, KEYS and UNIQ_KEY from one pass over a property string, with findProperty's
 * rules (an entry `name \u0001 value` between \u0002 separators; the last non-empty value
 * wins), into `out`.
 */
export function scanDispatchProperties(text: string, out: DispatchProperties): void {
  out.tags = undefined;
  out.delay = undefined;
  out.keys = undefined;
  out.uniqKey = undefined;
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = text.indexOf('\u0002', start);
    if (end < 0) end = n;
    const sep = text.indexOf('\u0001', start);
    if (sep > start && sep < end - 1) {
      const len = sep - start;
      if (len === 4) {
        if (text.startsWith('TAGS', start)) out.tags = text.slice(sep + 1, end);
        else if (text.startsWith('KEYS', start)) out.keys = text.slice(sep + 1, end);
      } else if (len === 8) {
        if (text.startsWith('UNIQ_KEY', start)) out.uniqKey = text.slice(sep + 1, end);
      } else if (len === 5) {
        if (text.startsWith('DELAY', start)) out.delay = text.slice(sep + 1, end);
      }
    }
    start = end + 1;
  }
}

const scratch: DispatchProperties = { tags: undefined, delay: undefined, keys: undefined, uniqKey: undefined };

/** The dispatch of a record found in the log (recovery), from its layout in buf. */
export function dispatchOfRecord(buf: Buffer, l: RecordLayout, delayLevels: readonly number[]): DispatchRequest {
  const topic = buf.toString('utf8', l.topicAt, l.topicAt + l.topicLength);
  scanDispatchProperties(buf.toString('utf8', l.propertiesAt, l.propertiesAt + l.propertiesLength), scratch);
  return {
    topic,
    queueId: l.queueId,
    queueOffset: l.queueOffset,
    physicalOffset: l.physicalOffset,
    size: l.size,
    tagsCode: computeTagsCode(delayLevels, topic, l.queueId, l.storeTimestamp, scratch.tags, scratch.delay),
    storeTimestamp: l.storeTimestamp,
    sysFlag: l.sysFlag,
    keys: scratch.keys,
    uniqKey: scratch.uniqKey,
  };
}
