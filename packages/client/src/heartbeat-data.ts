// The HEART_BEAT body: which producer and consumer groups this client belongs to.
import type { SubscriptionData } from './subscription.js';

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: false;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: { groupName: string }[];
  consumerDataSet: ConsumerData[];
}

export function encodeHeartbeat(data: HeartbeatData): Buffer {
  const body = {
    clientID: data.clientID,
    consumerDataSet: data.consumerDataSet.map((c) => ({
      ...c,
      subscriptionDataSet: c.subscriptionDataSet.map((s) => ({ ...s, classFilterMode: false })),
    })),
    producerDataSet: data.producerDataSet,
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}
