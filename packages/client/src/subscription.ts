// Tag subscriptions: "*" (everything) or "TagA || TagB". The broker filters by tag hash code;
// the client filters again by the tag string, because different tags can share a hash code.
import { ContrailError, tagsCode } from '@contrail/common';

export const SUB_ALL = '*';

export interface SubscriptionData {
  topic: string;
  subString: string;
  /** Empty for "*". */
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: 'TAG';
}

export function buildSubscription(topic: string, expression = SUB_ALL, subVersion = Date.now()): SubscriptionData {
  const expr = expression.trim();
  const sub: SubscriptionData = { topic, subString: SUB_ALL, tagsSet: [], codeSet: [], subVersion, expressionType: 'TAG' };
  if (expr.length === 0 || expr === SUB_ALL) return sub;
  for (const part of expr.split('||')) {
    const tag = part.trim();
    if (tag.length === 0) continue;
    if (tag === SUB_ALL) throw new ContrailError('SUBSCRIPTION_PARSE_FAILED', `"*" cannot be combined with tags: ${expression}`);
    if (!sub.tagsSet.includes(tag)) {
      sub.tagsSet.push(tag);
      sub.codeSet.push(tagsCode(tag));
    }
  }
  if (sub.tagsSet.length === 0) return sub;
  sub.subString = expr;
  return sub;
}

/** Whether a message with `tags` passes the subscription (messages without a tag fail a tag filter). */
export function matchesTags(sub: Pick<SubscriptionData, 'tagsSet'>, tags: string | undefined): boolean {
  if (sub.tagsSet.length === 0) return true;
  return tags !== undefined && sub.tagsSet.includes(tags);
}
