// A subscription (topic + tag expression), as heartbeats carry it and pulls use it.
import { javaStringHashCode } from '@contrail/common';

export interface SubscriptionData {
  topic: string;
  subString: string;
  expressionType: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  classFilterMode: boolean;
}

export const SUB_ALL = '*';

/**
 * Parses a TAG expression: `*` or empty means everything; otherwise tags separated by `||`.
 * Throws on an expression that names no tag.
 */
export function parseSubscription(topic: string, expression: string | undefined, subVersion = Date.now(), expressionType = 'TAG'): SubscriptionData {
  const sub: SubscriptionData = { topic, subString: SUB_ALL, expressionType, tagsSet: [], codeSet: [], subVersion, classFilterMode: false };
  const expr = (expression ?? '').trim();
  if (expr.length === 0 || expr === SUB_ALL) return sub;
  sub.subString = expr;
  if (expressionType !== 'TAG') return sub;
  for (const raw of expr.split('||')) {
    const tag = raw.trim();
    if (tag.length === 0) continue;
    sub.tagsSet.push(tag);
    sub.codeSet.push(javaStringHashCode(tag));
  }
  if (sub.tagsSet.length === 0) throw new Error(`subscription ${JSON.stringify(expr)} names no tag`);
  return sub;
}

/** A subscription from heartbeat JSON; tags recomputed from subString when sets are missing. */
export function subscriptionFromJson(json: unknown): SubscriptionData | null {
  if (typeof json !== 'object' || json === null) return null;
  const j = json as Record<string, unknown>;
  if (typeof j.topic !== 'string') return null;
  const expressionType = typeof j.expressionType === 'string' ? j.expressionType : 'TAG';
  const subVersion = typeof j.subVersion === 'number' ? j.subVersion : Number(j.subVersion ?? 0) || 0;
  try {
    return parseSubscription(j.topic, typeof j.subString === 'string' ? j.subString : SUB_ALL, subVersion, expressionType);
  } catch {
    return null;
  }
}

/** The consume-queue filter of a subscription: undefined means "everything matches". */
export function tagFilter(sub: SubscriptionData): ((tagsCode: number) => boolean) | undefined {
  if (sub.expressionType !== 'TAG' || sub.subString === SUB_ALL || sub.codeSet.length === 0) return undefined;
  if (sub.codeSet.length === 1) {
    const only = sub.codeSet[0];
    return (code) => code === only;
  }
  const codes = new Set(sub.codeSet);
  return (code) => codes.has(code);
}
