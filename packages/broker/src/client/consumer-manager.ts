// Consumer groups and their live channels, fed by heartbeats; tells a group's members
// when membership changes and drops channels that close or fall silent.
import { createLogger, type Logger } from '@contrail/common';
import type { ClientChannel } from './client-channel.js';
import { differingSubscriptions, subscriptionSignature } from './subscription-consistency.js';
import type { SubscriptionData } from './subscription-data.js';

export interface ConsumerChannelInfo {
  channel: ClientChannel;
  clientId: string;
  lastUpdate: number;
  version: number;
  /** What this member's last heartbeat subscribed to. */
  subscriptions: SubscriptionData[];
}

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  channels: Map<string, ConsumerChannelInfo>;
  subscriptions: Map<string, SubscriptionData>;
  lastUpdate: number;
}

export interface ConsumerRegistration {
  group: string;
  clientId: string;
  version: number;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: SubscriptionData[];
  /** Whether the group's members are told when membership changes. */
  notify: boolean;
}

export class ConsumerManager {
  readonly #groups = new Map<string, ConsumerGroupInfo>();
  /** The last inconsistency logged per group, so each one is logged once, not per heartbeat. */
  readonly #warned = new Map<string, string>();
  readonly #log: Logger;

  constructor(logger: Logger = createLogger('consumer-manager')) {
    this.#log = logger;
  }

  /** Registers or refreshes a member; returns whether the member set changed. */
  register(channel: ClientChannel, reg: ConsumerRegistration, now = Date.now()): boolean {
    let info = this.#groups.get(reg.group);
    if (info === undefined) {
      info = {
        groupName: reg.group,
        consumeType: reg.consumeType,
        messageModel: reg.messageModel,
        consumeFromWhere: reg.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
        lastUpdate: now,
      };
      this.#groups.set(reg.group, info);
    }
    info.consumeType = reg.consumeType;
    info.messageModel = reg.messageModel;
    info.consumeFromWhere = reg.consumeFromWhere;
    info.lastUpdate = now;
    const existing = info.channels.get(channel.id);
    let changed = false;
    if (existing === undefined || existing.clientId !== reg.clientId) {
      const before = this.#idSet(info);
      info.channels.set(channel.id, { channel, clientId: reg.clientId, lastUpdate: now, version: reg.version, subscriptions: reg.subscriptions });
      changed = !sameSet(before, this.#idSet(info));
      if (existing === undefined) this.#log.info({ group: reg.group, clientId: reg.clientId, remote: channel.remoteAddress }, 'consumer joined');
    } else {
      existing.lastUpdate = now;
      existing.version = reg.version;
      existing.subscriptions = reg.subscriptions;
    }
    this.#checkConsistency(info);
    for (const sub of reg.subscriptions) {
      const old = info.subscriptions.get(sub.topic);
      if (old === undefined || old.subVersion <= sub.subVersion || old.subString !== sub.subString) info.subscriptions.set(sub.topic, sub);
    }
    // Topics the group no longer subscribes to go away, as in RocketMQ.
    if (reg.subscriptions.length > 0) {
      const topics = new Set(reg.subscriptions.map((s) => s.topic));
      for (const topic of [...info.subscriptions.keys()]) if (!topics.has(topic)) info.subscriptions.delete(topic);
    }
    if (changed && reg.notify) this.notifyGroup(reg.group);
    return changed;
  }

  /** Removes one channel from one group (UNREGISTER_CLIENT). */
  unregister(group: string, channelId: string, notify = true): void {
    const info = this.#groups.get(group);
    if (info === undefined || !info.channels.delete(channelId)) return;
    this.#afterRemoval(info, notify);
  }

  /** Removes a channel from every group (connection closed or expired). */
  removeChannel(channelId: string): void {
    for (const info of [...this.#groups.values()]) {
      if (info.channels.delete(channelId)) this.#afterRemoval(info, true);
    }
  }

  /** Drops channels silent for longer than `timeoutMs`; returns their ids. */
  scanExpired(timeoutMs: number, now = Date.now()): string[] {
    const expired: string[] = [];
    for (const info of [...this.#groups.values()]) {
      let removed = false;
      for (const [id, c] of info.channels) {
        if (now - c.lastUpdate > timeoutMs) {
          info.channels.delete(id);
          expired.push(id);
          removed = true;
          this.#log.warn({ group: info.groupName, clientId: c.clientId }, 'consumer expired: no heartbeat');
        }
      }
      if (removed) this.#afterRemoval(info, true);
    }
    return expired;
  }

  get(group: string): ConsumerGroupInfo | undefined {
    return this.#groups.get(group);
  }

  groups(): ConsumerGroupInfo[] {
    return [...this.#groups.values()];
  }

  /** Distinct client ids of a group's live members, in arrival order. */
  consumerIds(group: string): string[] {
    const info = this.#groups.get(group);
    return info === undefined ? [] : [...this.#idSet(info)];
  }

  /** Each live member's subscriptions (client id → subscriptions), for the admin view. */
  clientSubscriptions(group: string): Map<string, SubscriptionData[]> {
    const out = new Map<string, SubscriptionData[]>();
    for (const c of this.#groups.get(group)?.channels.values() ?? []) out.set(c.clientId, c.subscriptions);
    return out;
  }

  /** Members whose subscriptions differ (client id → "topic=expression; …"); empty when all agree. */
  inconsistentSubscriptions(group: string): Map<string, string> {
    const bySig = new Map<string, string>();
    for (const [clientId, subs] of this.clientSubscriptions(group)) bySig.set(clientId, subscriptionSignature(subs));
    return differingSubscriptions(bySig);
  }

  findSubscription(group: string, topic: string): SubscriptionData | undefined {
    return this.#groups.get(group)?.subscriptions.get(topic);
  }

  notifyGroup(group: string): void {
    const info = this.#groups.get(group);
    if (info === undefined) return;
    for (const c of info.channels.values()) {
      try {
        c.channel.notifyConsumerIdsChanged(group);
      } catch (err) {
        this.#log.warn({ err, group, clientId: c.clientId }, 'cannot notify consumer');
      }
    }
  }

  #checkConsistency(info: ConsumerGroupInfo): void {
    const diff = this.inconsistentSubscriptions(info.groupName);
    const summary = [...diff].map(([clientId, sig]) => `${clientId} -> ${sig}`).sort().join(' | ');
    if (summary === (this.#warned.get(info.groupName) ?? '')) return;
    if (summary.length === 0) {
      this.#warned.delete(info.groupName);
      this.#log.info({ group: info.groupName }, 'consumer group subscriptions are consistent again');
      return;
    }
    this.#warned.set(info.groupName, summary);
    this.#log.warn(
      { group: info.groupName, subscriptions: Object.fromEntries(diff) },
      `consumer group ${info.groupName} has members with different subscriptions: ${summary}`,
    );
  }

  #afterRemoval(info: ConsumerGroupInfo, notify: boolean): void {
    if (info.channels.size === 0) {
      this.#groups.delete(info.groupName);
      this.#warned.delete(info.groupName);
      this.#log.info({ group: info.groupName }, 'consumer group has no members left');
      return;
    }
    this.#checkConsistency(info);
    if (notify) this.notifyGroup(info.groupName);
  }

  #idSet(info: ConsumerGroupInfo): Set<string> {
    const ids = new Set<string>();
    for (const c of info.channels.values()) ids.add(c.clientId);
    return ids;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
