// LOCK_BATCH_MQ / UNLOCK_BATCH_MQ for orderly consumers, and the admin view of a group's
// members and their subscriptions (GET_CONSUMER_CONNECTION_LIST).
import { RebalanceLockManager, type LockQueue } from '../client/rebalance-lock-manager.js';
import type { SubscriptionData } from '../client/subscription-data.js';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';

export interface ConsumerConnectionView {
  connectionSet: { clientId: string; clientAddr: string; language: string; version: number }[];
  subscriptionTable: Record<string, SubscriptionData>;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  /** Not in RocketMQ's reply: each member's own subscriptions, and the members that differ. */
  subscriptionsByClient: Record<string, SubscriptionData[]>;
  inconsistentSubscriptions: Record<string, string>;
}

export class QueueLockService {
  readonly #s: BrokerServices;
  readonly locks: RebalanceLockManager;

  constructor(services: BrokerServices) {
    this.#s = services;
    this.locks = new RebalanceLockManager(() => services.config.rebalanceLockMaxLiveTime);
  }

  lockBatch(group: string, clientId: string, mqs: readonly LockQueue[]): LockQueue[] {
    const members = new Set(this.#s.consumers.consumerIds(group));
    return this.locks.tryLockBatch(group, clientId, mqs, (id) => members.has(id));
  }

  unlockBatch(group: string, clientId: string, mqs: readonly LockQueue[]): void {
    this.locks.unlockBatch(group, clientId, mqs);
  }

  consumerConnection(group: string): ConsumerConnectionView {
    const info = this.#s.consumers.get(group);
    if (info === undefined || info.channels.size === 0) fail('CONSUMER_NOT_ONLINE', `the consumer group[${group}] not online`);
    const seen = new Set<string>();
    const connectionSet: ConsumerConnectionView['connectionSet'] = [];
    for (const c of info.channels.values()) {
      if (seen.has(c.clientId)) continue;
      seen.add(c.clientId);
      connectionSet.push({ clientId: c.clientId, clientAddr: c.channel.remoteAddress, language: 'JAVA', version: c.version });
    }
    return {
      connectionSet,
      subscriptionTable: Object.fromEntries(info.subscriptions),
      consumeType: info.consumeType,
      messageModel: info.messageModel,
      consumeFromWhere: info.consumeFromWhere,
      subscriptionsByClient: Object.fromEntries(this.#s.consumers.clientSubscriptions(group)),
      inconsistentSubscriptions: Object.fromEntries(this.#s.consumers.inconsistentSubscriptions(group)),
    };
  }
}
