// The protocol-neutral core: what any door (remoting today, gRPC later) asks of the broker.
// Failures are thrown as ContrailErrors whose code maps to each protocol's answer.
import type { ClientChannel } from '../client/client-channel.js';
import type { QueryMessageResult } from '../store/message-store-port.js';
import type { BrokerServices } from './broker-services.js';
import { ClientService } from './client-service.js';
import type { ClientHeartbeat } from './client-types.js';
import { MessageQueryService } from './message-query-service.js';
import { OffsetService } from './offset-service.js';
import { PullMessageService } from './pull-message-service.js';
import type { PullMessageRequest, PullMessageResult } from './pull-types.js';
import { SendBackService, type SendBackRequest } from './send-back-service.js';
import { RecallService, type RecallRequest } from './recall-service.js';
import { SendMessageService } from './send-message-service.js';
import type { SendContext, SendMessageRequest, SendMessageResult } from './send-types.js';
import type { EndTransactionOutcome, EndTransactionRequest } from '../transaction/transaction-types.js';
import { fail } from './fail.js';
import { QueueLockService, type ConsumerConnectionView } from './queue-lock-service.js';
import type { LockQueue } from '../client/rebalance-lock-manager.js';

export class MessagingCore {
  readonly services: BrokerServices;
  readonly #send: SendMessageService;
  readonly #pull: PullMessageService;
  readonly #offsets: OffsetService;
  readonly #query: MessageQueryService;
  readonly #clients: ClientService;
  readonly #sendBack: SendBackService;
  readonly #queueLocks: QueueLockService;
  readonly #recall: RecallService;

  constructor(services: BrokerServices) {
    this.services = services;
    this.#send = new SendMessageService(services);
    this.#pull = new PullMessageService(services);
    this.#offsets = new OffsetService(services);
    this.#query = new MessageQueryService(services);
    this.#clients = new ClientService(services);
    this.#sendBack = new SendBackService(services);
    this.#queueLocks = new QueueLockService(services);
    this.#recall = new RecallService(services);
  }

  sendMessage(req: SendMessageRequest, ctx: SendContext): Promise<SendMessageResult> {
    return this.#send.sendMessage(req, ctx);
  }

  /** Cancels a timer message before it is due; resolves with its message id. */
  recallMessage(req: RecallRequest, bornHost: string): Promise<string> {
    return this.#recall.recall(req, bornHost);
  }

  async pullMessage(req: PullMessageRequest, clientAddress: string): Promise<PullMessageResult> {
    const r = await this.#pull.pullMessage(req, clientAddress);
    this.services.stats.recordOut(req.topic, req.consumerGroup, r.messageCount, r.totalBytes);
    return r;
  }

  consumerSendBack(req: SendBackRequest): Promise<void> {
    return this.#sendBack.sendBack(req);
  }

  /** Commits, rolls back (or, for UNKNOW, leaves) a half message. */
  async endTransaction(req: EndTransactionRequest): Promise<EndTransactionOutcome> {
    const tx = this.services.transactions;
    if (tx === undefined) fail('NO_PERMISSION', `the broker[${this.services.config.brokerName}] does not take transactional messages`);
    return tx.endTransaction(req);
  }

  queryConsumerOffset(group: string, topic: string, queueId: number, setZeroIfNotFound = true): number {
    return this.#offsets.queryConsumerOffset(group, topic, queueId, setZeroIfNotFound);
  }

  updateConsumerOffset(group: string, topic: string, queueId: number, offset: number): void {
    this.#offsets.updateConsumerOffset(group, topic, queueId, offset);
  }

  getMaxOffset(topic: string, queueId: number): number {
    return this.#offsets.maxOffset(topic, queueId);
  }

  getMinOffset(topic: string, queueId: number): number {
    return this.#offsets.minOffset(topic, queueId);
  }

  searchOffsetByTimestamp(topic: string, queueId: number, timestamp: number): Promise<number> {
    return this.#offsets.searchOffsetByTimestamp(topic, queueId, timestamp);
  }

  getEarliestMessageStoreTime(topic: string, queueId: number): Promise<number> {
    return this.#offsets.earliestMessageStoreTime(topic, queueId);
  }

  viewMessageByOffset(physicalOffset: number): Promise<Buffer> {
    return this.#query.viewMessageByOffset(physicalOffset);
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number, uniqueKeyQuery: boolean): Promise<QueryMessageResult> {
    return this.#query.queryMessage(topic, key, maxNum, begin, end, uniqueKeyQuery);
  }

  heartbeat(channel: ClientChannel, hb: ClientHeartbeat): void {
    this.#clients.heartbeat(channel, hb);
  }

  unregisterClient(channel: ClientChannel, producerGroup: string | undefined, consumerGroup: string | undefined): void {
    this.#clients.unregister(channel, producerGroup, consumerGroup);
  }

  channelClosed(channelId: string): void {
    this.#clients.channelClosed(channelId);
  }

  getConsumerIdList(group: string): string[] {
    return this.#clients.consumerIdList(group);
  }

  scanExpiredClients(now = Date.now()): void {
    this.#clients.scanExpired(now);
  }

  /** LOCK_BATCH_MQ: the queues `clientId` holds for `group` afterwards. */
  lockBatchMq(group: string, clientId: string, mqs: readonly LockQueue[]): LockQueue[] {
    return this.#queueLocks.lockBatch(group, clientId, mqs);
  }

  unlockBatchMq(group: string, clientId: string, mqs: readonly LockQueue[]): void {
    this.#queueLocks.unlockBatch(group, clientId, mqs);
  }

  /** GET_CONSUMER_CONNECTION_LIST: members, their subscriptions, and which differ. */
  consumerConnection(group: string): ConsumerConnectionView {
    return this.#queueLocks.consumerConnection(group);
  }
}
