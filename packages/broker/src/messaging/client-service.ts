// Client membership: heartbeats register consumer and producer groups per channel (creating
// the group config and its %RETRY% topic on first sight), unregistration, group listings.
import { Perm, retryTopic } from '@contrail/common';
import type { ClientChannel } from '../client/client-channel.js';
import type { BrokerServices } from './broker-services.js';
import type { ClientHeartbeat } from './client-types.js';
import { fail } from './fail.js';

const TOPIC_SYS_FLAG_UNIT_SUB = 0x2;

export class ClientService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  heartbeat(channel: ClientChannel, hb: ClientHeartbeat): void {
    const { groups, topics, consumers, producers } = this.#s;
    for (const c of hb.consumers) {
      const groupConfig = groups.findOrCreate(c.groupName);
      if (groupConfig !== undefined && groupConfig.retryQueueNums > 0) {
        const topic = retryTopic(c.groupName);
        if (topics.get(topic) === undefined) {
          topics.createInSendMessageBack(topic, groupConfig.retryQueueNums, Perm.READ | Perm.WRITE, c.unitMode ? TOPIC_SYS_FLAG_UNIT_SUB : 0);
        }
      }
      consumers.register(channel, {
        group: c.groupName,
        clientId: hb.clientId,
        version: hb.version,
        consumeType: c.consumeType,
        messageModel: c.messageModel,
        consumeFromWhere: c.consumeFromWhere,
        subscriptions: c.subscriptions,
        notify: groupConfig?.notifyConsumerIdsChangedEnable ?? true,
      });
    }
    for (const group of hb.producerGroups) producers.register(group, channel, hb.clientId, hb.version);
  }

  unregister(channel: ClientChannel, producerGroup: string | undefined, consumerGroup: string | undefined): void {
    if (producerGroup !== undefined && producerGroup.length > 0) this.#s.producers.unregister(producerGroup, channel.id);
    if (consumerGroup !== undefined && consumerGroup.length > 0) {
      const notify = this.#s.groups.get(consumerGroup)?.notifyConsumerIdsChangedEnable ?? true;
      this.#s.consumers.unregister(consumerGroup, channel.id, notify);
    }
  }

  /** A connection went away: its client leaves every group. */
  channelClosed(channelId: string): void {
    this.#s.consumers.removeChannel(channelId);
    this.#s.producers.removeChannel(channelId);
  }

  /** Distinct client ids of the group's live consumers. */
  consumerIdList(group: string): string[] {
    const ids = this.#s.consumers.consumerIds(group);
    if (ids.length === 0) fail('SYSTEM_ERROR', `no consumer for this group, ${group}`);
    return ids;
  }

  /** Drops clients that have not sent a heartbeat within channelExpiredTimeout. */
  scanExpired(now = Date.now()): void {
    const timeout = this.#s.config.channelExpiredTimeout;
    this.#s.consumers.scanExpired(timeout, now);
    this.#s.producers.scanExpired(timeout, now);
  }
}
