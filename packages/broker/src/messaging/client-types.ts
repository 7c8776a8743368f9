// A client's heartbeat, independent of the protocol that carried it.
import type { SubscriptionData } from '../client/subscription-data.js';

export interface ConsumerHeartbeat {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: SubscriptionData[];
  unitMode: boolean;
}

export interface ClientHeartbeat {
  clientId: string;
  /** The client's MQVersion ordinal. */
  version: number;
  consumers: ConsumerHeartbeat[];
  producerGroups: string[];
}
