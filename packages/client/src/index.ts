// Public entry of @contrail/client.
export { Producer, type ProducerOptions, type SendOptions } from './producer.js';
export {
  TransactionProducer,
  type LocalTransactionState,
  type TransactionListener,
  type TransactionMessage,
  type TransactionProducerOptions,
  type TransactionSendResult,
} from './transaction-producer.js';
export type { SendableMessage } from './outgoing-message.js';
export type { SendResult, SendStatus } from './send-result.js';
export type { SendDone } from './send-coalescer.js';
export type { ClientOptions } from './client-instance.js';
export type { ClientEvent, ClientEventListener } from './client-events.js';
export { compareQueues, queueKey, type MessageQueue } from './message-queue.js';
export { queueForKey, selectByHash, type QueueSelector } from './queue-selector.js';
export { allocateAveragely } from './allocate-averagely.js';
export { parseNamesrvAddr } from './namesrv-addr.js';
export { NamesrvClient } from './namesrv-client.js';
export {
  anyAddr,
  masterAddr,
  parseBrokerData,
  parseTopicRouteData,
  publishInfo,
  subscribeQueues,
  type BrokerData,
  type PublishInfo,
  type QueueData,
  type TopicRouteData,
} from './topic-route.js';
export { parseLenientJson } from '@contrail/common';
export { decodeMessages, messageFields, toMessageExt, type MessageExt } from './message-ext.js';
export { buildSubscription, matchesTags, type SubscriptionData } from './subscription.js';
export type { PullResult, PullStatus } from './pull-result.js';
export type { ConsumeFromWhere, MessageModel } from './heartbeat-data.js';
export { PullConsumer, type PullConsumerOptions } from './pull-consumer.js';
export { LitePullConsumer, type LitePullConsumerOptions } from './lite-pull-consumer.js';
export type { ConsumerData, ConsumeType, HeartbeatData } from './heartbeat-data.js';
export { PushConsumer, type PushConsumerOptions } from './push-consumer.js';
export type { ConsumeContext, ConsumeStatus, MessageListener } from './consume-types.js';
export { allocateStrategy, type AllocateStrategy, type AllocateStrategyName } from './allocate-strategy.js';
export { allocateAveragelyByCircle } from './allocate-averagely-by-circle.js';
export { allocateConsistentHash } from './allocate-consistent-hash.js';
