// Public entry of @contrail/broker.
export { Broker, type BrokerOptions, type MessageStoreFactory } from './broker.js';
export { defaultBrokerConfig, DEFAULT_MESSAGE_DELAY_LEVEL, type BrokerConfig, type BrokerRole, type FlushDiskType } from './config/broker-config.js';
export { loadBrokerConfig, resolveBrokerConfig, type BrokerConfigOverrides } from './config/load-broker-config.js';
export { parseDelayLevels } from './config/delay-levels.js';
export { MessagingCore } from './messaging/messaging-core.js';
export type { BrokerServices } from './messaging/broker-services.js';
export type { SendMessageRequest, SendMessageResult, SendContext, SendStatus } from './messaging/send-types.js';
export { PullSysFlag, type PullMessageRequest, type PullMessageResult, type PullStatus } from './messaging/pull-types.js';
export type { ClientHeartbeat, ConsumerHeartbeat } from './messaging/client-types.js';
export type { SendBackRequest } from './messaging/send-back-service.js';
export type { ClientChannel } from './client/client-channel.js';
export type { TopicConfig } from './topic/topic-config.js';
export type { SubscriptionGroupConfig } from './subscription/subscription-group-config.js';
