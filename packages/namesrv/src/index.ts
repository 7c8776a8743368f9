// Public entry of @contrail/namesrv.
export { NameServer, type NameServerOptions } from './name-server.js';
export { RouteInfoManager, MASTER_ID, type BrokerLiveInfo, type RegisterBrokerResult, type TopicRoute } from './route-info-manager.js';
export { KvConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config-manager.js';
export { decodeRegisterBrokerBody, encodeRegisterBrokerBody } from './register-broker-body.js';
export { Perm, type BrokerData, type DataVersion, type QueueData, type RegisterBrokerBody, type TopicConfig } from './route-types.js';
