// Members of one consumer group must subscribe alike, or rebalancing hands queues of a topic
// to a member that does not want them (their messages are then skipped). These helpers
// describe each member's subscriptions and find the members that differ.
import type { SubscriptionData } from './subscription-data.js';

/** "topicA=TagA || TagB; topicB=*": a member's subscriptions in a comparable form (retry topics left out). */
export function subscriptionSignature(subs: readonly SubscriptionData[]): string {
  return subs
    .filter((s) => !s.topic.startsWith('%RETRY%'))
    .map((s) => `${s.topic}=${s.subString}`)
    .sort()
    .join('; ');
}

/** Client id → signature when the members do not all share one signature; empty when they agree. */
export function differingSubscriptions(byClient: ReadonlyMap<string, string>): Map<string, string> {
  const distinct = new Set(byClient.values());
  return distinct.size <= 1 ? new Map() : new Map(byClient);
}
