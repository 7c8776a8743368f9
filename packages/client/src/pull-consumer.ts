// The classic pull consumer: the application names the queue, the offset and the tag
// expression; the SDK makes one PULL_MESSAGE and returns the status and the messages.
import { ContrailError, validateName } from '@contrail/common';
import { ClientInstance, type ClientOptions } from './client-instance.js';
import { ConsumerRequests } from './consumer-requests.js';
import type { MessageQueue } from './message-queue.js';
import { buildPullSysFlag } from './pull-sys-flag.js';
import type { PullResult } from './pull-result.js';
import { buildSubscription } from './subscription.js';
import { subscribeQueues } from './topic-route.js';

export interface PullConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** Timeout of one pull (default 10 s; a blocking pull adds its suspend time). */
  pullTimeoutMs?: number;
  /** How long pullBlockIfNotFound lets the broker hold the request (default 15 s). */
  suspendTimeoutMs?: number;
}

type State = 'created' | 'running' | 'stopped';

export class PullConsumer {
  readonly consumerGroup: string;
  readonly #client: ClientInstance;
  readonly #requests: ConsumerRequests;
  readonly #pullTimeoutMs: number;
  readonly #suspendMs: number;
  #state: State = 'created';

  constructor(options: PullConsumerOptions) {
    const bad = validateName(options.consumerGroup, 'consumer group');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.consumerGroup = options.consumerGroup;
    this.#client = new ClientInstance(
      options,
      {
        producerGroups: () => [],
        consumerData: () => [
          {
            groupName: this.consumerGroup,
            consumeType: 'CONSUME_ACTIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
            subscriptionDataSet: [],
            unitMode: false,
          },
        ],
      },
      'pull-consumer',
    );
    this.#requests = new ConsumerRequests(this.#client, this.consumerGroup);
    this.#pullTimeoutMs = options.pullTimeoutMs ?? 10_000;
    this.#suspendMs = options.suspendTimeoutMs ?? 15_000;
  }

  get clientId(): string {
    return this.#client.clientId;
  }

  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ContrailError('CLIENT_STATE', `pull consumer is ${this.#state}`);
    this.#state = 'running';
    this.#client.start();
  }

  async shutdown(): Promise<void> {
    const was = this.#state;
    this.#state = 'stopped';
    if (was === 'running') await this.#client.shutdown({ consumerGroup: this.consumerGroup });
  }

  /** The readable queues of `topic`, sorted. */
  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.#check();
    this.#client.watch(topic);
    return subscribeQueues(topic, await this.#client.refreshRoute(topic));
  }

  /** One pull from `offset`: FOUND with messages (tag-filtered), or a status saying why not. */
  pull(mq: MessageQueue, expression: string, offset: number, maxNums: number): Promise<PullResult> {
    return this.#pull(mq, expression, offset, maxNums, false);
  }

  /** Like pull(), but the broker holds the request until a message arrives or its suspend time ends. */
  pullBlockIfNotFound(mq: MessageQueue, expression: string, offset: number, maxNums: number): Promise<PullResult> {
    return this.#pull(mq, expression, offset, maxNums, true);
  }

  /** The group's committed offset for `mq` (-1 when none). */
  async fetchConsumeOffset(mq: MessageQueue): Promise<number> {
    this.#check();
    return await this.#requests.queryOffset(mq);
  }

  async updateConsumeOffset(mq: MessageQueue, offset: number): Promise<void> {
    this.#check();
    return this.#requests.updateOffset(mq, offset, false);
  }

  async minOffset(mq: MessageQueue): Promise<number> {
    this.#check();
    return this.#requests.minOffset(mq);
  }

  /** The next offset to be written (one past the last message). */
  async maxOffset(mq: MessageQueue): Promise<number> {
    this.#check();
    return this.#requests.maxOffset(mq);
  }

  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    this.#check();
    return this.#requests.searchOffset(mq, timestamp);
  }

  async #pull(mq: MessageQueue, expression: string, offset: number, maxNums: number, block: boolean): Promise<PullResult> {
    this.#check();
    if (!Number.isInteger(offset) || offset < 0) throw new ContrailError('INVALID_PARAMETER', `bad offset ${offset}`);
    if (!Number.isInteger(maxNums) || maxNums <= 0) throw new ContrailError('INVALID_PARAMETER', `bad maxNums ${maxNums}`);
    const sub = buildSubscription(mq.topic, expression);
    return this.#requests.pull(mq, sub, offset, {
      maxNums,
      sysFlag: buildPullSysFlag(false, block, true),
      suspendTimeoutMs: this.#suspendMs,
      timeoutMs: this.#pullTimeoutMs + (block ? this.#suspendMs : 0),
    });
  }

  #check(): void {
    if (this.#state !== 'running') throw new ContrailError('CLIENT_STATE', `pull consumer is ${this.#state}, not running`);
  }
}
