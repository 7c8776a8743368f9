// The lite pull consumer: background pulls (long polling) fill a buffer per queue; the
// application takes messages with poll() or `for await`. Queues come from subscribe() (the
// group rebalances them among its members with AllocateMessageQueueAveragely) or assign().
// Offsets are committed automatically (every autoCommitIntervalMs) or by commit().
import { ContrailError, validateName } from '@contrail/common';
import { allocateAveragely } from './allocate-averagely.js';
import { AssignedQueue } from './assigned-queue.js';
import { asError, type ClientInstance, type ClientOptions } from './client-instance.js';
import { GroupMember, type BackgroundTimers } from './group-membership.js';
import type { ConsumerRequests } from './consumer-requests.js';
import type { ConsumeFromWhere, ConsumerData } from './heartbeat-data.js';
import type { MessageExt } from './message-ext.js';
import { queueKey, type MessageQueue } from './message-queue.js';
import { buildPullSysFlag } from './pull-sys-flag.js';
import { buildSubscription, type SubscriptionData } from './subscription.js';
import { subscribeQueues } from './topic-route.js';
import { WakeSignal } from './wake-signal.js';

export interface LitePullConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** Commit consumed offsets in the background (default true). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Messages per pull, and at most per poll() (default 32). */
  pullBatchSize?: number;
  /** Where a queue without a committed offset starts (default CONSUME_FROM_LAST_OFFSET). */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, in ms (default 30 minutes ago). */
  consumeTimestamp?: number;
  /** Pulled-but-not-polled messages per queue before its pulls pause (default 1000). */
  pullThresholdForQueue?: number;
  /** Default poll() timeout (5 s). */
  pollTimeoutMs?: number;
  /** Rebalance period in subscribe mode (default 20 s). */
  rebalanceIntervalMs?: number;
  /** How long the broker may hold a pull that finds nothing (default 15 s). */
  suspendTimeoutMs?: number;
  /** Pause after a failed pull (default 1 s). */
  pullDelayOnErrorMs?: number;
}

interface Batch {
  queue: AssignedQueue;
  version: number;
  messages: MessageExt[];
}

type State = 'created' | 'running' | 'stopped';
type Mode = 'none' | 'subscribe' | 'assign';

export class LitePullConsumer implements AsyncIterable<MessageExt> {
  readonly consumerGroup: string;
  readonly #client: ClientInstance;
  readonly #requests: ConsumerRequests;
  readonly #o: Required<Omit<LitePullConsumerOptions, keyof ClientOptions | 'consumerGroup' | 'consumeTimestamp'>> & {
    consumeTimestamp: number | undefined;
  };
  readonly #subscriptions = new Map<string, SubscriptionData>();
  readonly #assigned = new Map<string, AssignedQueue>();
  #batches: Batch[] = [];
  readonly #arrived = new WakeSignal();
  /** What the last poll() handed out: marked consumed at the next poll() or commit(). */
  #handedOut: { queue: AssignedQueue; version: number; offset: number }[] = [];
  #mode: Mode = 'none';
  #state: State = 'created';
  readonly #member: GroupMember;
  readonly #timers: BackgroundTimers;

  constructor(options: LitePullConsumerOptions) {
    const bad = validateName(options.consumerGroup, 'consumer group');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.consumerGroup = options.consumerGroup;
    this.#o = {
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
      pullBatchSize: options.pullBatchSize ?? 32,
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      consumeTimestamp: options.consumeTimestamp,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      pollTimeoutMs: options.pollTimeoutMs ?? 5000,
      rebalanceIntervalMs: options.rebalanceIntervalMs ?? 20_000,
      suspendTimeoutMs: options.suspendTimeoutMs ?? 15_000,
      pullDelayOnErrorMs: options.pullDelayOnErrorMs ?? 1000,
    };
    this.#member = new GroupMember(options, this.consumerGroup, 'lite-pull-consumer', {
      consumerData: () => this.#consumerData(),
      rebalanceOnce: async () => {
        for (const [topic, sub] of [...this.#subscriptions]) await this.#rebalanceTopic(topic, sub);
      },
      rebalanceEnabled: () => this.#mode === 'subscribe' && this.#state === 'running',
    });
    this.#client = this.#member.client;
    this.#requests = this.#member.requests;
    this.#timers = this.#member.timers;
  }

  get clientId(): string {
    return this.#client.clientId;
  }

  /** The queues this consumer pulls from now. */
  assignment(): MessageQueue[] {
    return [...this.#assigned.values()].map((q) => q.mq);
  }

  /** Subscribes to `topic` with a tag expression ("*" or "TagA || TagB"); the group shares its queues. */
  async subscribe(topic: string, expression = '*'): Promise<void> {
    if (this.#mode === 'assign') throw new ContrailError('CLIENT_STATE', 'subscribe() cannot be mixed with assign()');
    const bad = validateName(topic, 'topic');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.#mode = 'subscribe';
    const sub = buildSubscription(topic, expression);
    this.#subscriptions.set(topic, sub);
    for (const q of this.#assigned.values()) if (q.mq.topic === topic) q.sub = sub;
    this.#client.watch(topic);
    if (this.#state === 'running') await this.#joinGroup();
  }

  async unsubscribe(topic: string): Promise<void> {
    this.#subscriptions.delete(topic);
    this.#client.unwatch(topic);
    for (const q of [...this.#assigned.values()]) if (q.mq.topic === topic) await this.#drop(q);
  }

  /** Takes exactly these queues (no group rebalancing); replaces any earlier assignment. */
  async assign(queues: readonly MessageQueue[], expression = '*'): Promise<void> {
    if (this.#mode === 'subscribe') throw new ContrailError('CLIENT_STATE', 'assign() cannot be mixed with subscribe()');
    this.#mode = 'assign';
    const subs = new Map<string, SubscriptionData>();
    for (const mq of queues) if (!subs.has(mq.topic)) subs.set(mq.topic, buildSubscription(mq.topic, expression));
    await this.#setAssignment(queues, (topic) => subs.get(topic) ?? buildSubscription(topic, expression));
  }

  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ContrailError('CLIENT_STATE', `lite pull consumer is ${this.#state}`);
    this.#state = 'running';
    this.#client.start();
    for (const q of this.#assigned.values()) this.#startLoop(q);
    if (this.#o.autoCommit) this.#timers.every(this.#o.autoCommitIntervalMs, () => this.#commitAll(true));
    this.#timers.every(this.#o.rebalanceIntervalMs, () => this.#member.rebalance());
    if (this.#mode === 'subscribe') await this.#joinGroup();
  }

  /** Stops pulling, commits what was consumed (with autoCommit), leaves the group. */
  async shutdown(): Promise<void> {
    const was = this.#state;
    this.#state = 'stopped';
    if (was !== 'running') return;
    this.#timers.clear();
    this.#arrived.wake();
    for (const q of this.#assigned.values()) q.signal.wake();
    if (this.#o.autoCommit) {
      this.#markHandedOut();
      await this.#commitAll(false).catch((err: unknown) => this.#client.log.warn({ err }, 'final commit failed'));
    }
    await this.#client.shutdown({ consumerGroup: this.consumerGroup });
    await Promise.allSettled([...this.#assigned.values()].map((q) => q.loop));
  }

  /**
   * Up to pullBatchSize messages from one queue, waiting up to `timeoutMs` for some. Returning
   * marks the previous poll's messages consumed (they are committed next).
   */
  async poll(timeoutMs = this.#o.pollTimeoutMs): Promise<MessageExt[]> {
    if (this.#state !== 'running') throw new ContrailError('CLIENT_STATE', `lite pull consumer is ${this.#state}, not running`);
    this.#markHandedOut();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = this.#takeBatch();
      if (batch !== undefined) {
        const last = batch.messages[batch.messages.length - 1];
        if (last !== undefined) this.#handedOut.push({ queue: batch.queue, version: batch.version, offset: last.queueOffset + 1 });
        return batch.messages;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#state !== 'running') return [];
      await this.#arrived.sleep(left, true);
    }
  }

  /** Messages one at a time until shutdown; each is marked consumed when the next is asked for. */
  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt> {
    while (this.#state === 'running') {
      this.#markHandedOut();
      const batch = this.#takeBatch();
      if (batch === undefined) {
        await this.#arrived.sleep(this.#o.pollTimeoutMs, true);
        continue;
      }
      for (const m of batch.messages) {
        yield m;
        if (batch.queue.version === batch.version && !batch.queue.dropped) batch.queue.consumedOffset = m.queueOffset + 1;
      }
    }
  }

  /** Continues `mq` from `offset`: buffered messages of it are dropped; a commit stores the new offset. */
  seek(mq: MessageQueue, offset: number): void {
    const q = this.#assigned.get(queueKey(mq));
    if (q === undefined) throw new ContrailError('CLIENT_STATE', `queue ${queueKey(mq)} is not assigned to this consumer`);
    if (!Number.isInteger(offset) || offset < 0) throw new ContrailError('INVALID_PARAMETER', `bad offset ${offset}`);
    q.version++;
    q.pullOffset = offset;
    q.consumedOffset = offset;
    this.#discardBuffered(q);
    q.signal.wake();
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    this.seek(mq, await this.#requests.minOffset(mq));
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    this.seek(mq, await this.#requests.maxOffset(mq));
  }

  /** The group's committed offset for `mq` as the broker has it (-1 when none). */
  committed(mq: MessageQueue): Promise<number> {
    return this.#requests.queryOffset(mq);
  }

  /** Commits the consumed offsets of every assigned queue now, and waits for the broker. */
  async commit(): Promise<void> {
    this.#markHandedOut();
    await this.#commitAll(false, true);
  }

  // --- internals ---

  #consumerData(): ConsumerData[] {
    if (this.#mode !== 'subscribe' || this.#state !== 'running') return [];
    return [
      {
        groupName: this.consumerGroup,
        consumeType: 'CONSUME_ACTIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: this.#o.consumeFromWhere,
        subscriptionDataSet: [...this.#subscriptions.values()],
        unitMode: false,
      },
    ];
  }

  /** Routes, heartbeat, then rebalance: the broker must know us before we count the group. */
  #joinGroup(): Promise<void> {
    return this.#member.join(this.#subscriptions.keys());
  }

  async #rebalanceTopic(topic: string, sub: SubscriptionData): Promise<void> {
    try {
      const route = await this.#client.route(topic);
      const all = subscribeQueues(topic, route);
      const cids = await this.#requests.consumerIds(topic);
      const mine = allocateAveragely(this.clientId, all, cids);
      const others = [...this.#assigned.values()].filter((q) => q.mq.topic !== topic).map((q) => q.mq);
      const changed = await this.#setAssignment([...others, ...mine], (t) => this.#subscriptions.get(t) ?? sub);
      if (changed) this.#client.emit({ type: 'rebalanced', topic, queues: mine });
    } catch (err) {
      this.#client.log.warn({ err, topic }, 'rebalance failed');
      this.#client.emit({ type: 'rebalance-error', topic, error: asError(err) });
    }
  }

  /** Makes `queues` the assignment; true when it changed. */
  async #setAssignment(queues: readonly MessageQueue[], subOf: (topic: string) => SubscriptionData): Promise<boolean> {
    const wanted = new Map(queues.map((mq) => [queueKey(mq), mq]));
    let changed = false;
    for (const [key, q] of [...this.#assigned]) {
      if (!wanted.has(key)) {
        changed = true;
        await this.#drop(q);
      }
    }
    for (const [key, mq] of wanted) {
      if (this.#assigned.has(key)) continue;
      changed = true;
      const q = new AssignedQueue(mq, subOf(mq.topic));
      this.#assigned.set(key, q);
      if (this.#state === 'running') this.#startLoop(q);
    }
    return changed;
  }

  /** Gives a queue up: its buffered messages go, its consumed offset is committed. */
  async #drop(q: AssignedQueue): Promise<void> {
    this.#assigned.delete(queueKey(q.mq));
    this.#markHandedOut();
    q.dropped = true;
    this.#discardBuffered(q);
    q.signal.wake();
    if (this.#o.autoCommit && this.#state === 'running') await this.#commitOne(q, false);
  }

  #startLoop(q: AssignedQueue): void {
    q.loop = this.#pullLoop(q).catch((err: unknown) => this.#client.log.error({ err, queue: q.mq }, 'pull loop ended unexpectedly'));
  }

  async #pullLoop(q: AssignedQueue): Promise<void> {
    while (this.#state === 'running' && !q.dropped) {
      if (q.buffered >= this.#o.pullThresholdForQueue) {
        await q.signal.sleep();
        continue;
      }
      const version = q.version;
      let delay = 0;
      try {
        if (q.pullOffset === undefined) {
          const start = await this.#startOffset(q.mq);
          if (q.version !== version || q.dropped) continue;
          q.pullOffset = start;
          q.consumedOffset ??= start;
        }
        const offset = q.pullOffset;
        const started = Date.now();
        const result = await this.#requests.pull(q.mq, q.sub, offset, {
          maxNums: this.#o.pullBatchSize,
          sysFlag: buildPullSysFlag(false, true, true, true),
          suspendTimeoutMs: this.#o.suspendTimeoutMs,
          timeoutMs: this.#o.suspendTimeoutMs + 15_000,
        });
        if (q.version !== version || q.dropped || this.#state !== 'running') continue;
        q.pullOffset = result.nextBeginOffset;
        switch (result.status) {
          case 'FOUND':
            if (result.messages.length > 0) this.#buffer(q, version, result.messages);
            break;
          case 'NO_NEW_MSG':
          case 'NO_MATCHED_MSG':
            // A broker that held the pull answers late; one that answers at once is not long
            // polling, so do not spin on it.
            if (Date.now() - started < 100) delay = 200;
            break;
          case 'OFFSET_ILLEGAL':
            this.#client.emit({ type: 'offset-moved', queue: q.mq, from: offset, to: result.nextBeginOffset });
            q.consumedOffset = result.nextBeginOffset;
            break;
        }
      } catch (err) {
        if (this.#state !== 'running' || q.dropped) break;
        this.#member.pullFailed(q.mq, err);
        delay = this.#o.pullDelayOnErrorMs;
      }
      if (delay > 0) await q.signal.sleep(delay);
    }
  }

  async #startOffset(mq: MessageQueue): Promise<number> {
    const committed = await this.#requests.queryOffset(mq);
    if (committed >= 0) return committed;
    return this.#requests.startOffset(mq, this.#o.consumeFromWhere, this.#o.consumeTimestamp ?? Date.now() - 30 * 60_000, false);
  }

  #buffer(q: AssignedQueue, version: number, messages: MessageExt[]): void {
    q.buffered += messages.length;
    this.#batches.push({ queue: q, version, messages });
    this.#arrived.wake();
  }

  #takeBatch(): Batch | undefined {
    for (;;) {
      const batch = this.#batches.shift();
      if (batch === undefined) return undefined;
      const q = batch.queue;
      if (q.dropped || q.version !== batch.version) continue;
      q.buffered -= batch.messages.length;
      if (q.buffered < this.#o.pullThresholdForQueue) q.signal.wake();
      return batch;
    }
  }

  #discardBuffered(q: AssignedQueue): void {
    this.#batches = this.#batches.filter((b) => b.queue !== q);
    q.buffered = 0;
  }

  #markHandedOut(): void {
    for (const h of this.#handedOut) {
      if (!h.queue.dropped && h.queue.version === h.version) h.queue.consumedOffset = h.offset;
    }
    this.#handedOut = [];
  }

  async #commitAll(oneway: boolean, throwFirst = false): Promise<void> {
    const errors = await Promise.all([...this.#assigned.values()].map((q) => this.#commitOne(q, oneway)));
    const first = errors.find((e) => e !== undefined);
    if (throwFirst && first !== undefined) throw first;
  }

  /** Commits one queue's consumed offset; failures are reported and returned, never thrown. */
  async #commitOne(q: AssignedQueue, oneway: boolean): Promise<Error | undefined> {
    const offset = q.dirtyOffset;
    if (offset === undefined) return undefined;
    try {
      await this.#requests.updateOffset(q.mq, offset, oneway);
      q.committedOffset = offset;
      return undefined;
    } catch (err) {
      const error = asError(err);
      this.#client.log.warn({ err, queue: q.mq }, 'commit failed');
      this.#client.emit({ type: 'commit-error', queue: q.mq, error });
      return error;
    }
  }
}
