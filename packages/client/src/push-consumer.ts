// The push consumer: the group's queues are shared among its members (clustering) or all
// taken by every instance (broadcasting); a long-polling pull loop per owned queue feeds a
// process queue, and the consume service hands messages to the listener (or to a
// `for await` loop), concurrently or in order. Offsets go to the broker (clustering) or a
// local file (broadcasting); rebalancing runs every rebalanceIntervalMs and at once when the
// broker says the group's membership changed.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ContrailError, retryTopic, validateName } from '@contrail/common';
import { allocateStrategy, type AllocateStrategy, type AllocateStrategyName } from './allocate-strategy.js';
import { asError, type ClientInstance, type ClientOptions } from './client-instance.js';
import { GroupMember, type BackgroundTimers } from './group-membership.js';
import type { ConsumeHost } from './consume-host.js';
import { ConsumeConcurrently } from './consume-concurrently.js';
import { ConsumeOrderly } from './consume-orderly.js';
import type { InternalListener, MessageListener } from './consume-types.js';
import type { ConsumerRequests } from './consumer-requests.js';
import type { ConsumeFromWhere, ConsumerData, MessageModel } from './heartbeat-data.js';
import { LocalFileOffsetStore } from './local-file-offset-store.js';
import type { MessageExt } from './message-ext.js';
import { MessageHandoff } from './message-handoff.js';
import { queueKey, type MessageQueue } from './message-queue.js';
import type { OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { buildPullSysFlag } from './pull-sys-flag.js';
import { PushRequests } from './push-requests.js';
import { RemoteOffsetStore } from './remote-offset-store.js';
import { buildSubscription, type SubscriptionData } from './subscription.js';
import { subscribeQueues } from './topic-route.js';

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** CLUSTERING (default): the group shares the queues. BROADCASTING: every instance gets every message. */
  messageModel?: MessageModel;
  /** Where a queue without a stored offset starts (default CONSUME_FROM_LAST_OFFSET). */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, in ms (default 30 minutes before start). */
  consumeTimestamp?: number;
  /** Queue allocation among the group's members (default 'averagely'). */
  allocateStrategy?: AllocateStrategyName | AllocateStrategy;
  /** Consume each queue in order, one batch at a time (clustering: under a broker lock). */
  orderly?: boolean;
  /** The callback form; without one, consume with `for await (const msg of consumer)`. */
  listener?: MessageListener;
  /** Batches consumed at once across all queues (concurrent mode; default 20). */
  consumeConcurrency?: number;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number;
  /** Messages per pull (default 32). */
  pullBatchSize?: number;
  /** Pulled-but-unconsumed messages per queue before its pulls pause (default 1000). */
  pullThresholdForQueue?: number;
  /** The same limit in MiB of bodies (default 100). */
  pullThresholdSizeForQueue?: number;
  /** Failed deliveries before a message goes to %DLQ%<group> (default 16). */
  maxReconsumeTimes?: number;
  /** Orderly: pause before a failed batch is retried (default 1 s). */
  suspendCurrentQueueTimeMillis?: number;
  rebalanceIntervalMs?: number;
  persistConsumerOffsetIntervalMs?: number;
  /** Orderly clustering: lock renewal period (default 20 s; the broker's lease is 60 s). */
  lockIntervalMs?: number;
  /** How long the broker may hold a pull that finds nothing (default 15 s). */
  suspendTimeoutMs?: number;
  pullDelayOnErrorMs?: number;
  /** Broadcasting: where offsets are kept (default ~/.contrail_offsets); the file is per instanceName. */
  offsetStoreDir?: string;
  /** How long giving a queue up waits for its batches in flight (default 3 s). */
  dropDrainTimeoutMs?: number;
}

type State = 'created' | 'running' | 'stopping' | 'stopped';

const FLOW_CONTROL_PAUSE_MS = 50;
const RETRY_REBALANCE_MS = 1000;

export class PushConsumer implements AsyncIterable<MessageExt> {
  readonly consumerGroup: string;
  readonly messageModel: MessageModel;
  readonly orderly: boolean;
  readonly #client: ClientInstance;
  readonly #requests: ConsumerRequests;
  readonly #push: PushRequests;
  readonly #offsets: OffsetStore;
  readonly #allocate: AllocateStrategy;
  readonly #o: Required<Omit<PushConsumerOptions, keyof ClientOptions | 'consumerGroup' | 'messageModel' | 'orderly' | 'listener' | 'allocateStrategy' | 'consumeTimestamp'>>;
  readonly #consumeTimestamp: number;
  readonly #subscriptions = new Map<string, SubscriptionData>();
  readonly #pqs = new Map<string, ProcessQueue>();
  #listener: MessageListener | undefined;
  readonly #handoff = new MessageHandoff();
  #concurrent: ConsumeConcurrently | undefined;
  #orderlyService: ConsumeOrderly | undefined;
  #state: State = 'created';
  readonly #member: GroupMember;
  readonly #timers: BackgroundTimers;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: PushConsumerOptions) {
    const bad = validateName(options.consumerGroup, 'consumer group');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.consumerGroup = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.orderly = options.orderly ?? false;
    this.#listener = options.listener;
    this.#allocate = allocateStrategy(options.allocateStrategy);
    this.#consumeTimestamp = options.consumeTimestamp ?? Date.now() - 30 * 60_000;
    this.#o = {
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      consumeConcurrency: options.consumeConcurrency ?? 20,
      consumeMessageBatchMaxSize: options.consumeMessageBatchMaxSize ?? 1,
      pullBatchSize: options.pullBatchSize ?? 32,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      pullThresholdSizeForQueue: options.pullThresholdSizeForQueue ?? 100,
      maxReconsumeTimes: options.maxReconsumeTimes ?? 16,
      suspendCurrentQueueTimeMillis: options.suspendCurrentQueueTimeMillis ?? 1000,
      rebalanceIntervalMs: options.rebalanceIntervalMs ?? 20_000,
      persistConsumerOffsetIntervalMs: options.persistConsumerOffsetIntervalMs ?? 5000,
      lockIntervalMs: options.lockIntervalMs ?? 20_000,
      suspendTimeoutMs: options.suspendTimeoutMs ?? 15_000,
      pullDelayOnErrorMs: options.pullDelayOnErrorMs ?? 1000,
      offsetStoreDir: options.offsetStoreDir ?? join(homedir(), '.contrail_offsets'),
      dropDrainTimeoutMs: options.dropDrainTimeoutMs ?? 3000,
    };
    this.#member = new GroupMember(options, this.consumerGroup, 'push-consumer', {
      consumerData: () => this.#consumerData(),
      rebalanceOnce: async () => {
        for (const [topic, sub] of this.#topics()) await this.#rebalanceTopic(topic, sub);
      },
      rebalanceEnabled: () => this.#state === 'running',
    });
    this.#client = this.#member.client;
    this.#requests = this.#member.requests;
    this.#timers = this.#member.timers;
    this.#push = new PushRequests(this.#client, this.consumerGroup);
    this.#offsets =
      this.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(this.#o.offsetStoreDir, options.instanceName ?? 'DEFAULT', this.consumerGroup)
        : new RemoteOffsetStore(this.#requests);
  }

  get clientId(): string {
    return this.#client.clientId;
  }

  get #clustering(): boolean {
    return this.messageModel === 'CLUSTERING';
  }

  /** The queues this consumer owns now. */
  assignment(): MessageQueue[] {
    return [...this.#pqs.values()].map((pq) => pq.mq);
  }

  /** Sets the callback (before start). */
  registerMessageListener(listener: MessageListener): void {
    if (this.#state !== 'created') throw new ContrailError('CLIENT_STATE', 'set the listener before start()');
    this.#listener = listener;
  }

  /** Subscribes to `topic` with a tag expression ("*" or "TagA || TagB"). */
  async subscribe(topic: string, expression = '*'): Promise<void> {
    const bad = validateName(topic, 'topic');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.#subscriptions.set(topic, buildSubscription(topic, expression));
    this.#client.watch(topic);
    if (this.#state === 'running') await this.#joinGroup();
  }

  async unsubscribe(topic: string): Promise<void> {
    this.#subscriptions.delete(topic);
    this.#client.unwatch(topic);
    await Promise.all([...this.#pqs.values()].filter((pq) => pq.mq.topic === topic).map((pq) => this.#drop(pq)));
    if (this.#state === 'running') await this.#client.heartbeat();
  }

  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ContrailError('CLIENT_STATE', `push consumer is ${this.#state}`);
    if (this.#subscriptions.size === 0) throw new ContrailError('CLIENT_STATE', 'subscribe() to at least one topic before start()');
    await this.#offsets.load();
    const host: ConsumeHost = {
      group: this.consumerGroup,
      clustering: this.#clustering,
      listener: this.#internalListener(),
      offsets: this.#offsets,
      push: this.#push,
      client: this.#client,
      batchSize: Math.max(1, this.#o.consumeMessageBatchMaxSize),
      maxReconsumeTimes: this.#o.maxReconsumeTimes,
      suspendMs: this.#o.suspendCurrentQueueTimeMillis,
      running: () => this.#state === 'running',
    };
    if (this.orderly) this.#orderlyService = new ConsumeOrderly(host);
    else this.#concurrent = new ConsumeConcurrently(host, this.#o.consumeConcurrency);
    if (this.#clustering) this.#client.watch(retryTopic(this.consumerGroup));
    this.#state = 'running';
    this.#client.start();
    this.#timers.every(this.#o.rebalanceIntervalMs, () => this.#member.rebalance());
    this.#timers.every(this.#o.persistConsumerOffsetIntervalMs, () => this.#persistAll(false));
    if (this.orderly && this.#clustering) this.#timers.every(this.#o.lockIntervalMs, () => this.#lockAll());
    await this.#joinGroup();
  }

  /**
   * Stops pulling, lets batches in flight finish, commits offsets (and releases orderly
   * locks), then leaves the group. Messages pulled but not consumed are not committed: the
   * group's next owner of their queue gets them.
   */
  async shutdown(): Promise<void> {
    const was = this.#state;
    if (was !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.#timers.clear();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#handoff.finishCurrent();
    this.#handoff.abandonWaiting();
    for (const pq of this.#pqs.values()) {
      pq.dropped = true;
      pq.signal.wake();
    }
    await this.#concurrent?.stop();
    await Promise.all([...this.#pqs.values()].map((pq) => this.#drained(pq, this.#o.dropDrainTimeoutMs)));
    await this.#persistAll(true);
    if (this.orderly && this.#clustering) await this.#push.unlockQueues([...this.#pqs.values()].map((pq) => pq.mq));
    for (const pq of this.#pqs.values()) pq.released = true;
    await this.#client.shutdown({ consumerGroup: this.consumerGroup });
    await Promise.allSettled([...this.#pqs.values()].map((pq) => pq.loop));
    this.#pqs.clear();
    this.#state = 'stopped';
  }

  /** Messages one at a time (only without a listener); each counts as consumed when the next is asked for. */
  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt> {
    if (this.#listener !== undefined) throw new ContrailError('CLIENT_STATE', 'this consumer has a listener; it cannot also be iterated');
    try {
      while (this.#state === 'running' || this.#state === 'created') {
        const msg = await this.#handoff.next(1000);
        if (msg !== undefined) yield msg;
      }
    } finally {
      this.#handoff.finishCurrent();
    }
  }

  // --- internals ---

  #internalListener(): InternalListener {
    const listener = this.#listener;
    if (listener !== undefined) return async (msgs, ctx) => listener(msgs, ctx);
    return (msgs) => this.#handoff.offer(msgs);
  }

  #consumerData(): ConsumerData[] {
    if (this.#state !== 'running' && this.#state !== 'stopping') return [];
    const subs = [...this.#subscriptions.values()];
    if (this.#clustering) subs.push(buildSubscription(retryTopic(this.consumerGroup), '*', subs[0]?.subVersion ?? Date.now()));
    return [
      {
        groupName: this.consumerGroup,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: this.messageModel,
        consumeFromWhere: this.#o.consumeFromWhere,
        subscriptionDataSet: subs,
        unitMode: false,
      },
    ];
  }

  #topics(): [string, SubscriptionData][] {
    const out = [...this.#subscriptions];
    if (this.#clustering) {
      const rt = retryTopic(this.consumerGroup);
      out.push([rt, buildSubscription(rt, '*')]);
    }
    return out;
  }

  #joinGroup(): Promise<void> {
    return this.#member.join(this.#topics().map(([topic]) => topic));
  }

  /** Rebalances once more soon: a route was missing or a queue's lock was still held elsewhere. */
  #retrySoon(): void {
    if (this.#retryTimer !== undefined || this.#state !== 'running') return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#member.triggerRebalance();
    }, RETRY_REBALANCE_MS);
    this.#retryTimer.unref();
  }

  async #rebalanceTopic(topic: string, sub: SubscriptionData): Promise<void> {
    try {
      const route = this.#client.cachedRoute(topic) ?? (await this.#client.refreshRoute(topic));
      const all = subscribeQueues(topic, route);
      const mine = this.#clustering ? this.#allocate(this.clientId, all, await this.#requests.consumerIds(topic)) : all;
      const wanted = new Map(mine.map((mq) => [queueKey(mq), mq]));
      const gone = [...this.#pqs.values()].filter((pq) => pq.mq.topic === topic && !wanted.has(queueKey(pq.mq)));
      await Promise.all(gone.map((pq) => this.#drop(pq)));
      const added = [...wanted].filter(([k]) => !this.#pqs.has(k)).map(([, mq]) => mq);
      const lockedNow = await this.#lockNew(added);
      for (const mq of added) {
        if (this.#state !== 'running') return;
        if (lockedNow !== undefined && !lockedNow.has(queueKey(mq))) continue;
        const pq = new ProcessQueue(mq, sub);
        if (lockedNow !== undefined) {
          pq.locked = true;
          pq.lastLockTimestamp = Date.now();
        }
        this.#pqs.set(queueKey(mq), pq);
        pq.loop = this.#pullLoop(pq).catch((err: unknown) => this.#client.log.error({ err, queue: mq }, 'pull loop ended unexpectedly'));
      }
      if (lockedNow !== undefined && added.some((mq) => !lockedNow.has(queueKey(mq)))) this.#retrySoon();
      if (gone.length > 0 || added.length > 0) this.#client.emit({ type: 'rebalanced', topic, queues: mine });
    } catch (err) {
      this.#client.log.warn({ err, topic }, 'rebalance failed');
      this.#client.emit({ type: 'rebalance-error', topic, error: asError(err) });
      this.#retrySoon();
    }
  }

  /** Orderly clustering: locks the new queues first; undefined when no locking applies. */
  async #lockNew(mqs: MessageQueue[]): Promise<Set<string> | undefined> {
    if (!this.orderly || !this.#clustering) return undefined;
    return this.#push.lockQueues(mqs, (mq, err) => this.#lockError(mq, err));
  }

  #lockError(mq: MessageQueue, err: unknown): void {
    this.#client.emit({ type: 'lock-error', queue: mq, error: asError(err) });
  }

  /** Renews the locks of every owned queue; a queue that lost its lock stops consuming. */
  async #lockAll(): Promise<void> {
    const failed = new Set<string>();
    const mqs = [...this.#pqs.values()].map((pq) => pq.mq);
    const held = await this.#push.lockQueues(mqs, (mq, err) => {
      failed.add(queueKey(mq));
      this.#lockError(mq, err);
    });
    for (const mq of mqs) {
      const key = queueKey(mq);
      const pq = this.#pqs.get(key);
      if (pq === undefined || failed.has(key)) continue;
      if (held.has(key)) {
        pq.locked = true;
        pq.lastLockTimestamp = Date.now();
        pq.signal.wake();
        this.#orderlyService?.submit(pq);
      } else if (pq.locked) {
        pq.locked = false;
        this.#client.emit({ type: 'lock-lost', queue: mq });
      }
    }
  }

  /** Gives a queue up: no more pulls, batches in flight finish, its offset is committed (and lock released). */
  async #drop(pq: ProcessQueue): Promise<void> {
    this.#pqs.delete(queueKey(pq.mq));
    pq.dropped = true;
    pq.signal.wake();
    await this.#drained(pq, this.#o.dropDrainTimeoutMs);
    try {
      await this.#offsets.persist([pq.mq], true);
    } catch (err) {
      this.#client.emit({ type: 'commit-error', queue: pq.mq, error: asError(err) });
    }
    pq.released = true;
    this.#offsets.remove(pq.mq);
    pq.clear();
    if (this.orderly && this.#clustering) {
      if (pq.inFlight === 0) await this.#push.unlockQueues([pq.mq]);
      else this.#client.log.warn({ queue: pq.mq }, 'orderly batch still running; leaving the queue lock to expire');
    }
    this.#client.emit({ type: 'queue-dropped', queue: pq.mq });
  }

  async #drained(pq: ProcessQueue, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (pq.inFlight > 0 && Date.now() < deadline) await pq.idle.sleep(deadline - Date.now());
  }

  async #pullLoop(pq: ProcessQueue): Promise<void> {
    let flowControlled = false;
    while (this.#state === 'running' && !pq.dropped) {
      if (pq.count >= this.#o.pullThresholdForQueue || pq.msgSize >= this.#o.pullThresholdSizeForQueue * 1024 * 1024) {
        if (!flowControlled) this.#client.emit({ type: 'flow-control', queue: pq.mq, count: pq.count, sizeBytes: pq.msgSize });
        flowControlled = true;
        await pq.signal.sleep(FLOW_CONTROL_PAUSE_MS);
        continue;
      }
      flowControlled = false;
      if (this.orderly && this.#clustering && !pq.locked) {
        await pq.signal.sleep(500);
        continue;
      }
      let delay = 0;
      try {
        if (pq.pullOffset === undefined) {
          const start = await this.#startOffset(pq.mq);
          if (pq.dropped) break;
          pq.pullOffset = start;
        }
        const offset = pq.pullOffset;
        const commitOffset = this.#clustering ? this.#offsets.readMemory(pq.mq) : -1;
        const started = Date.now();
        const result = await this.#requests.pull(pq.mq, pq.sub, offset, {
          maxNums: this.#o.pullBatchSize,
          sysFlag: buildPullSysFlag(commitOffset > 0, true, true),
          commitOffset: Math.max(0, commitOffset),
          suspendTimeoutMs: this.#o.suspendTimeoutMs,
          timeoutMs: this.#o.suspendTimeoutMs + 15_000,
        });
        if (pq.dropped || this.#state !== 'running') break;
        pq.pullOffset = result.nextBeginOffset;
        if (result.status === 'FOUND' && result.messages.length > 0) {
          pq.put(result.messages);
          if (this.#orderlyService !== undefined) this.#orderlyService.submit(pq);
          else this.#concurrent?.submit(pq, result.messages);
        } else if (result.status === 'OFFSET_ILLEGAL') {
          this.#client.emit({ type: 'offset-moved', queue: pq.mq, from: offset, to: result.nextBeginOffset });
          this.#offsets.update(pq.mq, result.nextBeginOffset, false);
        } else {
          // Nothing (or nothing matching) up to nextBeginOffset: with nothing in flight, that is consumed too.
          if (pq.count === 0) this.#offsets.update(pq.mq, result.nextBeginOffset, true);
          if (result.status !== 'FOUND' && Date.now() - started < 100) delay = 200;
        }
      } catch (err) {
        if (this.#state !== 'running' || pq.dropped) break;
        this.#member.pullFailed(pq.mq, err);
        delay = this.#o.pullDelayOnErrorMs;
      }
      if (delay > 0) await pq.signal.sleep(delay);
    }
  }

  async #startOffset(mq: MessageQueue): Promise<number> {
    const stored = await this.#offsets.readStored(mq);
    if (stored >= 0) return stored;
    const start = await this.#requests.startOffset(mq, this.#o.consumeFromWhere, this.#consumeTimestamp, mq.topic === retryTopic(this.consumerGroup));
    this.#offsets.update(mq, start, false);
    return start;
  }

  async #persistAll(confirmed: boolean): Promise<void> {
    const mqs = [...this.#pqs.values()].filter((pq) => !pq.released).map((pq) => pq.mq);
    try {
      await this.#offsets.persist(mqs, confirmed);
    } catch (err) {
      this.#client.log.warn({ err }, 'offset persist failed');
      for (const mq of mqs) this.#client.emit({ type: 'commit-error', queue: mq, error: asError(err) });
    }
  }
}
