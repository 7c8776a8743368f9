// Public entry of @contrail/testkit: in-process clusters for tests.
export { startCluster, type ClusterOptions, type TestCluster, type TopicOptions } from './start-cluster.js';
export { eventually } from './eventually.js';
export { failOnUnhandledRejection } from './rejection-guard.js';
