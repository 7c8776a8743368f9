// Which processor serves which request code (one family per file, as RocketMQ's broker).
// Codes without a processor are answered REQUEST_CODE_NOT_SUPPORTED by the server.
import { RequestCode, type OutgoingCommand, type RemotingCommand, type RemotingProcessor, type RemotingServer } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import * as admin from './admin-broker-processor.js';
import { processCheckClientConfig, processHeartbeat, processUnregisterClient } from './client-manage-processor.js';
import { processGetConsumerList, processQueryConsumerOffset, processUpdateConsumerOffset } from './consumer-manage-processor.js';
import { processEndTransaction } from './end-transaction-processor.js';
import { processPull } from './pull-message-processor.js';
import { processQueryMessage, processViewMessageById } from './query-message-processor.js';
import { processEarliestMsgStoreTime, processGetMaxOffset, processGetMinOffset, processSearchOffset } from './queue-offset-processor.js';
import { processGetConsumerConnectionList, processLockBatchMq, processUnlockBatchMq } from './rebalance-lock-processor.js';
import { processor } from './respond.js';
import { processRecall, processSend, processSendBack } from './send-message-processor.js';

export interface ProcessorDeps {
  /** The core; throws SERVICE_NOT_AVAILABLE while the broker is not started. */
  core(): MessagingCore;
  admin(): admin.AdminContext;
}

export function registerProcessors(server: RemotingServer, d: ProcessorDeps): void {
  const send = processor((req, ctx) => processSend(d.core(), req, ctx));
  server.registerProcessor(RequestCode.SEND_MESSAGE, send);
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, send);
  server.registerProcessor(RequestCode.SEND_BATCH_MESSAGE, send);
  server.registerProcessor(RequestCode.CONSUMER_SEND_MSG_BACK, processor((req) => processSendBack(d.core(), req)));
  server.registerProcessor(RequestCode.RECALL_MESSAGE, processor((req, ctx) => processRecall(d.core(), req, ctx)));
  server.registerProcessor(RequestCode.END_TRANSACTION, processor((req) => processEndTransaction(d.core(), req)));

  // Held pulls wait for messages, not for CPU: no concurrency limit.
  const pull = processor((req, ctx) => processPull(d.core(), req, ctx));
  server.registerProcessor(RequestCode.PULL_MESSAGE, pull);
  server.registerProcessor(RequestCode.LITE_PULL_MESSAGE, pull);

  server.registerProcessor(RequestCode.QUERY_MESSAGE, processor((req) => processQueryMessage(d.core(), req)));
  server.registerProcessor(RequestCode.VIEW_MESSAGE_BY_ID, processor((req) => processViewMessageById(d.core(), req)));

  server.registerProcessor(RequestCode.HEART_BEAT, processor((req, ctx) => processHeartbeat(d.core(), req, ctx)));
  server.registerProcessor(RequestCode.UNREGISTER_CLIENT, processor((req, ctx) => processUnregisterClient(d.core(), req, ctx)));
  server.registerProcessor(RequestCode.CHECK_CLIENT_CONFIG, processor((req) => processCheckClientConfig(req)));

  server.registerProcessor(RequestCode.GET_CONSUMER_LIST_BY_GROUP, processor((req) => processGetConsumerList(d.core(), req)));
  server.registerProcessor(RequestCode.QUERY_CONSUMER_OFFSET, processor((req) => processQueryConsumerOffset(d.core(), req)));
  server.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, processor((req) => processUpdateConsumerOffset(d.core(), req)));
  server.registerProcessor(RequestCode.LOCK_BATCH_MQ, processor((req) => processLockBatchMq(d.core(), req)));
  server.registerProcessor(RequestCode.UNLOCK_BATCH_MQ, processor((req) => processUnlockBatchMq(d.core(), req)));
  server.registerProcessor(RequestCode.GET_CONSUMER_CONNECTION_LIST, processor((req) => processGetConsumerConnectionList(d.core(), req)));

  server.registerProcessor(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, processor((req) => processSearchOffset(d.core(), req)));
  server.registerProcessor(RequestCode.GET_MAX_OFFSET, processor((req) => processGetMaxOffset(d.core(), req)));
  server.registerProcessor(RequestCode.GET_MIN_OFFSET, processor((req) => processGetMinOffset(d.core(), req)));
  server.registerProcessor(RequestCode.GET_EARLIEST_MSG_STORETIME, processor((req) => processEarliestMsgStoreTime(d.core(), req)));

  type AdminOp = (a: admin.AdminContext, req: RemotingCommand) => OutgoingCommand | Promise<OutgoingCommand>;
  const adminOp = (fn: AdminOp): RemotingProcessor => processor((req) => fn(d.admin(), req));
  server.registerProcessor(RequestCode.UPDATE_AND_CREATE_TOPIC, adminOp(admin.processUpdateAndCreateTopic));
  server.registerProcessor(RequestCode.DELETE_TOPIC_IN_BROKER, adminOp(admin.processDeleteTopic));
  server.registerProcessor(RequestCode.GET_ALL_TOPIC_CONFIG, adminOp(admin.processGetAllTopicConfig));
  server.registerProcessor(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, adminOp(admin.processUpdateAndCreateSubscriptionGroup));
  server.registerProcessor(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, adminOp(admin.processGetAllSubscriptionGroup));
  server.registerProcessor(RequestCode.DELETE_SUBSCRIPTIONGROUP, adminOp(admin.processDeleteSubscriptionGroup));
  server.registerProcessor(RequestCode.GET_BROKER_RUNTIME_INFO, adminOp(admin.processGetBrokerRuntimeInfo));
  server.registerProcessor(RequestCode.GET_BROKER_CONFIG, adminOp(admin.processGetBrokerConfig));
  server.registerProcessor(RequestCode.GET_ALL_CONSUMER_OFFSET, adminOp(admin.processGetAllConsumerOffset));
  server.registerProcessor(RequestCode.GET_ALL_DELAY_OFFSET, adminOp(admin.processGetAllDelayOffset));
}
