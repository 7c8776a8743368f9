// Public entry of @contrail/admin.
export { AdminClient, type AdminClientOptions, type CreateTopicOptions, type CreateTopicResult } from './admin-client.js';
export {
  createTopic,
  queryMessageByKey,
  queryMessageByUniqKey,
  topicList,
  topicRoute,
  viewMessage,
  withAdmin,
  type NamesrvAddr,
} from './admin-functions.js';
export { parseClusterInfo, type ClusterInfo } from './cluster-info.js';
export {
  brokerAddrByName,
  brokerConfig,
  brokerRuntimeInfo,
  clusterList,
  consumerGroups,
  consumerProgress,
  topicStatus,
  type BrokerSummary,
  type ConsumerGroups,
  type GroupSummary,
  type QueueProgress,
  type QueueStatus,
} from './inspect.js';
