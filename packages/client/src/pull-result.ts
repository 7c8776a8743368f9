// PULL_MESSAGE: the request header, and the response turned into a status plus messages that
// passed the client-side tag filter.
import { ContrailError, Prop } from '@contrail/common';
import { decodeMessages, type MessageExt } from './message-ext.js';
import type { MessageQueue } from './message-queue.js';
import { matchesTags, type SubscriptionData } from './subscription.js';

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messages: MessageExt[];
  /** The broker's hint for where to pull next (0 = master). */
  suggestWhichBrokerId: number;
}

export interface PullHeaderFields {
  consumerGroup: string;
  mq: MessageQueue;
  queueOffset: number;
  maxMsgNums: number;
  sysFlag: number;
  commitOffset: number;
  suspendTimeoutMillis: number;
  subscription: SubscriptionData;
}

export function buildPullHeader(f: PullHeaderFields): Record<string, string> {
  return {
    consumerGroup: f.consumerGroup,
    topic: f.mq.topic,
    queueId: String(f.mq.queueId),
    queueOffset: String(f.queueOffset),
    maxMsgNums: String(f.maxMsgNums),
    sysFlag: String(f.sysFlag),
    commitOffset: String(f.commitOffset),
    suspendTimeoutMillis: String(f.suspendTimeoutMillis),
    subscription: f.subscription.subString,
    subVersion: String(f.subscription.subVersion),
    expressionType: f.subscription.expressionType,
    bname: f.mq.brokerName,
  };
}

const STATUS_OF_CODE: ReadonlyMap<number, PullStatus> = new Map<number, PullStatus>([
  [0, 'FOUND'],
  [19, 'NO_NEW_MSG'],
  [20, 'NO_MATCHED_MSG'],
  [21, 'OFFSET_ILLEGAL'],
]);

export interface PullResponse {
  code: number;
  remark?: string | undefined;
  extFields: Record<string, string>;
  body?: Buffer | undefined;
}

function longField(ext: Record<string, string>, name: string): number {
  const v = Number(ext[name]);
  return Number.isFinite(v) ? v : 0;
}

/** Maps a pull response; any code other than the four pull statuses throws. */
export function pullResultOf(res: PullResponse, mq: MessageQueue, sub: Pick<SubscriptionData, 'tagsSet'>): PullResult {
  const status = STATUS_OF_CODE.get(res.code);
  if (status === undefined) throw ContrailError.fromResponse(res.code, res.remark);
  const ext = res.extFields;
  const result: PullResult = {
    status,
    nextBeginOffset: longField(ext, 'nextBeginOffset'),
    minOffset: longField(ext, 'minOffset'),
    maxOffset: longField(ext, 'maxOffset'),
    messages: [],
    suggestWhichBrokerId: longField(ext, 'suggestWhichBrokerId'),
  };
  if (status !== 'FOUND') return result;
  const extra = { [Prop.MIN_OFFSET]: String(result.minOffset), [Prop.MAX_OFFSET]: String(result.maxOffset) };
  const filter = sub.tagsSet.length > 0;
  for (const m of decodeMessages(res.body, mq.brokerName, extra)) {
    // The broker filters on tag hash codes; a collision is caught here (tags are read only then).
    if (filter && !matchesTags(sub, m.tags)) continue;
    result.messages.push(m);
  }
  return result;
}
