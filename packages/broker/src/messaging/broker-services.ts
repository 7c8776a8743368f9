// What the messaging core works with: settings, the store and the managers.
import type { Logger } from '@contrail/common';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ConsumerManager } from '../client/consumer-manager.js';
import type { ProducerManager } from '../client/producer-manager.js';
import type { PullRequestHoldService } from '../longpolling/pull-request-hold-service.js';
import type { BrokerStats } from '../metrics/broker-stats.js';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager.js';
import type { MessageStorePort } from '../store/message-store-port.js';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';
import type { TransactionalMessageService } from '../transaction/transactional-message-service.js';

export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly store: MessageStorePort;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly pullHold: PullRequestHoldService;
  /** Delay of each level in ms (level L waits delayLevels[L-1]). */
  readonly delayLevels: readonly number[];
  /** "ip:port" written as the store host of every record. */
  readonly storeHost: string;
  readonly log: Logger;
  /** The timer's recalled keys: a recall is remembered before the broker answers it. */
  readonly recalls?: { rememberRecall(key: string, dueMs: number): void; forgetRecall(key: string): void };
  /** Messages in and out by topic and group, for the metrics exporter. */
  readonly stats: BrokerStats;
  /** Half messages and END_TRANSACTION; without it transactional sends are refused. */
  readonly transactions?: TransactionalMessageService;
}
