// The producer: sync (promise), callback and one-way sends, ordered sends through a queue
// selector or sharding key, batch sends, retries on another broker with fault avoidance, and
// (by default) coalescing of the sends made within one event-loop turn into batch frames.
import { ContrailError, RETRY_GROUP_TOPIC_PREFIX, SystemTopic, batchBodyBound, decodeRecallHandle, encodeBatchBodyInto, encodeBatchBodyRaw, validateName } from '@contrail/common';
import { RequestCode, createRequest, type RemotingCommand, type RemotingConnection } from '@contrail/remoting';
import { ClientInstance, asError, type ClientOptions } from './client-instance.js';
import { LatencyFaultTolerance } from './fault-tolerance.js';
import type { MessageQueue } from './message-queue.js';
import { checkTopic, prepareMessage, type PreparedMessage, type SendableMessage } from './outgoing-message.js';
import { queueForKey, type QueueSelector } from './queue-selector.js';
import { QueuePicker } from './queue-picker.js';
import { BatchBuffers } from './batch-buffers.js';
import { SendCoalescer, type PendingSend, type SendDone } from './send-coalescer.js';
import { buildSendHeaderV2 } from './send-header.js';
import { isRetriableSendError, sendResultsOf, type SendResult } from './send-result.js';
import { publishInfo, type PublishInfo, type TopicRouteData } from './topic-route.js';

export interface ProducerOptions extends ClientOptions {
  producerGroup: string;
  /** Time budget of one send, retries included (default 3000 ms). */
  sendMsgTimeout?: number;
  /** Extra attempts after a retriable failure, each on another broker where possible (default 2). */
  retryTimesWhenSendFailed?: number;
  /** Bodies of at least this many bytes are zlib-compressed (default 4096). */
  compressMsgBodyOverHowmuch?: number;
  /** Largest body, and largest batch, in bytes (default 4 MiB). */
  maxMessageSize?: number;
  /**
   * Coalesce sends without a selector that are made within one event-loop turn into
   * SEND_BATCH_MESSAGE frames (default true). Each send still gets its own SendResult.
   */
  batchWithinTurn?: boolean;
  /** Most messages per coalesced frame (default 512). */
  maxBatchMessages?: number;
  /** Most bytes per coalesced frame (default 1 MiB). */
  maxBatchBytes?: number;
  /** How long a broker is avoided after a failed send (default 30 s). */
  faultIsolationMs?: number;
}

export interface SendOptions<A = unknown> {
  /** Picks the queue (ordered messages); the send is not retried elsewhere. */
  selector?: QueueSelector<A>;
  arg?: A;
  /** Messages with one sharding key go to one queue: a stable hash over the queue list. */
  shardingKey?: string;
  /** Sends to exactly this queue. */
  queue?: MessageQueue;
  /** Overrides sendMsgTimeout. */
  timeoutMs?: number;
}

type State = 'created' | 'running' | 'stopped';

const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/** Where a send stands after failed attempts, for #sendWithRetries to go on from. */
interface RetryState {
  begin: number;
  attempt: number;
  lastBroker: string;
  lastError: unknown;
}

/** A send pinned to its queue (selector, sharding key or explicit queue): never retried elsewhere. */
function isFixed<A>(options: SendOptions<A>): boolean {
  return options.selector !== undefined || options.shardingKey !== undefined || options.queue !== undefined;
}

/** The options of a send that gives none (one shared object rather than one per send). */
const NO_OPTIONS: SendOptions = Object.freeze({});

export class Producer {
  readonly producerGroup: string;
  readonly #client: ClientInstance;
  readonly #faults: LatencyFaultTolerance;
  readonly #picker: QueuePicker;
  readonly #coalescer: SendCoalescer | undefined;
  readonly #batchBuffers: BatchBuffers | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #limits: { maxMessageSize: number; compressOver: number };
  readonly #publishInfos = new WeakMap<TopicRouteData, PublishInfo>();
  /** Sends not yet settled, and who waits for none to be left (shutdown). */
  #pending = 0;
  #idle: (() => void)[] = [];
  readonly #settle = (): void => {
    if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
  };
  #state: State = 'created';

  constructor(options: ProducerOptions) {
    const bad = validateName(options.producerGroup, 'producer group');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    this.producerGroup = options.producerGroup;
    this.#client = new ClientInstance(
      options,
      {
        producerGroups: () => [this.producerGroup],
        consumerData: () => [],
        onCheckTransactionState: (req, conn) => this.onCheckTransactionState(req, conn),
      },
      'producer',
    );
    this.#faults = new LatencyFaultTolerance(options.faultIsolationMs ?? 30_000);
    this.#picker = new QueuePicker(this.#faults);
    this.#timeoutMs = options.sendMsgTimeout ?? 3000;
    this.#retries = Math.max(0, options.retryTimesWhenSendFailed ?? 2);
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#limits = { maxMessageSize, compressOver: options.compressMsgBodyOverHowmuch ?? 4096 };
    if (options.batchWithinTurn !== false) {
      const maxBytes = Math.min(options.maxBatchBytes ?? 1024 * 1024, maxMessageSize);
      this.#coalescer = new SendCoalescer({ maxMessages: options.maxBatchMessages ?? 512, maxBytes }, (topic, group) => this.#sendGroup(topic, group));
      // A coalesced frame's body is at most maxBytes (its items are counted at 3 bytes a
      // property character, more than UTF-8 ever takes); larger ones come from sendBatch().
      this.#batchBuffers = new BatchBuffers(maxBytes);
    }
  }

  get clientId(): string {
    return this.#client.clientId;
  }

  /** The client underneath, for producers built on this one (TransactionProducer). */
  protected get client(): ClientInstance {
    return this.#client;
  }

  /** A broker asks about a half message; only transactional producers answer. */
  protected onCheckTransactionState(req: RemotingCommand, _conn: RemotingConnection): void {
    this.#client.log.warn({ code: req.code }, 'CHECK_TRANSACTION_STATE for a producer that is not transactional; ignored');
  }

  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ContrailError('CLIENT_STATE', `producer is ${this.#state}`);
    this.#state = 'running';
    this.#client.start();
  }

  /** Sends what is queued, waits for sends in flight, unregisters and closes connections. */
  async shutdown(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    this.#coalescer?.flush();
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#client.shutdown({ producerGroup: this.producerGroup });
  }

  /** Sends one message and resolves once the broker has stored it. */
  send<A = unknown>(msg: SendableMessage, options: SendOptions<A> = NO_OPTIONS as SendOptions<A>): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.sendCallback(msg, (err, result) => (err !== undefined || result === undefined ? reject(err) : resolve(result)), options);
    });
  }

  /** Like send(), reporting through a callback (no promise is made for the caller). */
  sendCallback<A = unknown>(msg: SendableMessage, callback: SendDone, options: SendOptions<A> = NO_OPTIONS as SendOptions<A>): void {
    let prepared: PreparedMessage;
    try {
      this.#checkRunning();
      prepared = prepareMessage(msg, this.#limits);
    } catch (err) {
      process.nextTick(() => this.#done(callback, asError(err), undefined));
      return;
    }
    const plain = options.selector === undefined && options.shardingKey === undefined && options.queue === undefined;
    if (plain && prepared.batchable && this.#coalescer !== undefined && options.timeoutMs === undefined) {
      this.#coalescer.add(prepared, callback);
      return;
    }
    this.#pending++;
    this.#dispatch([prepared], msg, options, (err, results) => {
      this.#settle();
      this.#done(callback, err, results?.[0]);
    });
  }

  /** Sends without waiting for the broker: resolves once the request is written. No retries. */
  async sendOneway<A = unknown>(msg: SendableMessage, options: SendOptions<A> = {}): Promise<void> {
    this.#checkRunning();
    const prepared = prepareMessage(msg, this.#limits);
    const info = await this.#publishInfo(prepared.topic);
    const mq = this.#chooseQueue(info, msg, options, undefined);
    const addr = await this.#brokerAddr(mq);
    await this.#client.remoting.invokeOneway(addr, this.#request([prepared], mq));
  }

  /**
   * Sends messages of one topic in one SEND_BATCH_MESSAGE frame: stored together, in order,
   * with consecutive queue offsets. One SendResult per message.
   */
  async sendBatch(msgs: readonly SendableMessage[], options: Pick<SendOptions, 'queue' | 'timeoutMs'> = {}): Promise<SendResult[]> {
    this.#checkRunning();
    const first = msgs[0];
    if (first === undefined) throw new ContrailError('MESSAGE_ILLEGAL', 'sendBatch needs at least one message');
    const prepared: PreparedMessage[] = [];
    let bytes = 0;
    for (const m of msgs) {
      if (m.topic !== first.topic) throw new ContrailError('MESSAGE_ILLEGAL', 'every message of a batch must have the same topic');
      if (m.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) throw new ContrailError('MESSAGE_ILLEGAL', 'batches cannot go to retry topics');
      const p = prepareMessage(m, { ...this.#limits, compressOver: Infinity });
      if (!p.batchable) throw new ContrailError('MESSAGE_ILLEGAL', 'batched messages cannot be delayed or transactional');
      bytes += 22 + p.body.length + Buffer.byteLength(p.propertiesText);
      prepared.push(p);
    }
    if (bytes > this.#limits.maxMessageSize) {
      throw new ContrailError('MESSAGE_ILLEGAL', `the batch is ${bytes} bytes, over maxMessageSize ${this.#limits.maxMessageSize}`);
    }
    return this.#track(this.#sendWithRetries(prepared, first, options));
  }

  /**
   * Cancels a message sent with a delivery time, before it is due (the broker answers
   * ILLEGAL_OPERATION once it is). `recallHandle` is the send's SendResult.recallHandle; the
   * broker it names is asked. Resolves with the message's id.
   */
  async recallMessage(topic: string, recallHandle: string): Promise<string> {
    this.#checkRunning();
    checkTopic(topic);
    const { brokerName } = decodeRecallHandle(recallHandle);
    const addr = await this.#brokerAddr({ topic, brokerName, queueId: 0 });
    const req = createRequest(RequestCode.RECALL_MESSAGE, { topic, recallHandle, producerGroup: this.producerGroup });
    const res = await this.#client.remoting.invoke(addr, req, this.#timeoutMs);
    if (res.code !== 0) throw ContrailError.fromResponse(res.code, res.remark);
    return res.extFields.msgId ?? '';
  }

  /** The queues a send to `topic` may go to (for selectors written ahead of time). */
  async publishQueues(topic: string): Promise<MessageQueue[]> {
    checkTopic(topic);
    return [...(await this.#publishInfo(topic)).queues];
  }

  /** One coalesced group: a plain send for one message, a batch frame for more. */
  #sendGroup(topic: string, group: PendingSend[]): void {
    const msgs = group.map((g) => g.msg);
    this.#pending++;
    // A plain send's queue choice reads only the topic: the first message stands for all.
    this.#dispatch(msgs, msgs[0] ?? { topic, body: Buffer.alloc(0) }, NO_OPTIONS, (err, results) => {
      this.#settle();
      for (let i = 0; i < group.length; i++) {
        const g = group[i] as PendingSend;
        const r = results?.[i];
        if (err !== undefined) this.#done(g.done, err, undefined);
        else if (r !== undefined) this.#done(g.done, undefined, r);
        else this.#done(g.done, new ContrailError('SYSTEM_ERROR', `the broker acknowledged ${results?.length ?? 0} of ${group.length} messages`), undefined);
      }
    });
  }

  /**
   * One send of `msgs` in one frame, reporting through `done`. With the route and the
   * broker's address known (every send after a topic's first), the first attempt is a plain
   * request with a callback: no promise or async frame per send. Anything else, and every
   * retry, goes through #sendWithRetries.
   */
  #dispatch<A>(msgs: PreparedMessage[], msg: SendableMessage, options: SendOptions<A>, done: (err: Error | undefined, results: SendResult[] | undefined) => void): void {
    const viaRetries = (from?: RetryState): void => {
      this.#sendWithRetries(msgs, msg, options, from).then(
        (results) => done(undefined, results),
        (err: unknown) => done(asError(err), undefined),
      );
    };
    const info = this.#cachedPublishInfo(msgs[0]?.topic ?? msg.topic);
    let mq: MessageQueue | undefined;
    try {
      mq = info === undefined ? undefined : this.#chooseQueue(info, msg, options, undefined);
    } catch (err) {
      // As before, a selector that throws fails the send (not retried, and not called twice).
      process.nextTick(done, asError(err), undefined);
      return;
    }
    const addr = mq === undefined ? undefined : this.#client.masterAddr(mq.brokerName);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    // No budget left (a timeout of 0 or less): the retry loop fails it without sending.
    if (mq === undefined || addr === undefined || timeoutMs <= 0) return viaRetries();
    const queue = mq;
    const begin = Date.now();
    const pooled: { slab: Buffer | undefined } = { slab: undefined };
    const request = this.#request(msgs, queue, pooled);
    const slab = pooled.slab;
    // The slab comes back once the frame is written; a retry below builds a request of its own.
    const written = slab === undefined ? undefined : () => this.#batchBuffers?.give(slab);
    this.#client.remoting.invokeCallback(addr, request, timeoutMs, (error, res) => {
      let err: unknown = error;
      let results: SendResult[] | undefined;
      if (err === undefined && res !== undefined) {
        try {
          results = sendResultsOf(res, queue, msgs.map((m) => m.uniqId));
        } catch (e) {
          err = e;
        }
      }
      if (results !== undefined) {
        this.#faults.update(queue.brokerName, Date.now() - begin, false);
        return done(undefined, results);
      }
      const retriable = this.#attemptFailed(queue.brokerName, begin, err, 0);
      if (!retriable || isFixed(options) || this.#retries === 0) return done(asError(err), undefined);
      viaRetries({ begin, attempt: 1, lastBroker: queue.brokerName, lastError: err });
    }, written);
  }

  /** Sends with up to retryTimesWhenSendFailed retries within sendMsgTimeout; `from` resumes after failed attempts. */
  async #sendWithRetries<A>(msgs: PreparedMessage[], msg: SendableMessage, options: SendOptions<A>, from?: RetryState): Promise<SendResult[]> {
    const topic = msgs[0]?.topic ?? msg.topic;
    const begin = from?.begin ?? Date.now();
    const deadline = begin + (options.timeoutMs ?? this.#timeoutMs);
    const attempts = isFixed(options) ? 1 : 1 + this.#retries;
    let lastBroker = from?.lastBroker;
    let lastError = from?.lastError;
    for (let attempt = from?.attempt ?? 0; attempt < attempts; attempt++) {
      const info = await this.#publishInfo(topic);
      const mq = this.#chooseQueue(info, msg, options, lastBroker);
      const started = Date.now();
      const left = deadline - started;
      if (left <= 0) break;
      try {
        const addr = await this.#brokerAddr(mq);
        const res = await this.#client.remoting.invoke(addr, this.#request(msgs, mq), left);
        this.#faults.update(mq.brokerName, Date.now() - started, false);
        return sendResultsOf(res, mq, msgs.map((m) => m.uniqId));
      } catch (err) {
        lastError = err;
        lastBroker = mq.brokerName;
        if (!this.#attemptFailed(mq.brokerName, started, err, attempt)) throw err;
      }
    }
    if (lastError !== undefined) throw lastError;
    throw new ContrailError('REQUEST_TIMEOUT', `send to ${topic} timed out after ${Date.now() - begin} ms`);
  }

  /** Books a failed attempt against its broker; true when the error is worth a retry. */
  #attemptFailed(brokerName: string, started: number, err: unknown, attempt: number): boolean {
    const retriable = isRetriableSendError(err);
    if (retriable) this.#faults.update(brokerName, Date.now() - started, true);
    this.#client.log.debug({ err, broker: brokerName, attempt }, 'send attempt failed');
    return retriable;
  }

  /**
   * The request for msgs. With `pooled`, a batch body goes into one of the producer's reused
   * slabs when one fits; `pooled.slab` then names it, to be handed back once written.
   */
  #request(msgs: PreparedMessage[], mq: MessageQueue, pooled?: { slab: Buffer | undefined }): RemotingCommand {
    const one = msgs.length === 1 ? msgs[0] : undefined;
    if (one !== undefined) {
      const header = buildSendHeaderV2({
        producerGroup: this.producerGroup,
        topic: mq.topic,
        queueId: mq.queueId,
        sysFlag: one.sysFlag,
        bornTimestamp: one.bornTimestamp,
        flag: one.flag,
        properties: one.propertiesText,
        brokerName: mq.brokerName,
      });
      return createRequest(RequestCode.SEND_MESSAGE_V2, header, one.body);
    }
    const header = buildSendHeaderV2({
      producerGroup: this.producerGroup,
      topic: mq.topic,
      queueId: mq.queueId,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: '',
      batch: true,
      brokerName: mq.brokerName,
    });
    const items = msgs.map((m) => ({ flag: m.flag, body: m.body, properties: m.propertiesText }));
    // Straight into a slab (no buffer per property string) when the frame is one that is
    // pooled; a slab holds the most the items can take.
    const slab = pooled === undefined ? undefined : this.#batchBuffers?.take(batchBodyBound(items));
    let body: Buffer;
    if (slab !== undefined && pooled !== undefined) {
      body = slab.subarray(0, encodeBatchBodyInto(items, slab));
      pooled.slab = slab;
    } else {
      body = encodeBatchBodyRaw(items);
    }
    return createRequest(RequestCode.SEND_BATCH_MESSAGE, header, body);
  }

  #chooseQueue<A>(info: PublishInfo, msg: SendableMessage, options: SendOptions<A>, lastBroker: string | undefined): MessageQueue {
    if (options.queue !== undefined) return options.queue;
    const queues = info.queues;
    if (queues.length === 0) throw new ContrailError('ROUTE_NOT_FOUND', `no writable queue for topic ${msg.topic}`);
    if (options.selector !== undefined) {
      const mq = options.selector(queues, { ...msg, body: Buffer.isBuffer(msg.body) ? msg.body : Buffer.from(msg.body) }, options.arg as A);
      if (mq === undefined || mq === null) throw new ContrailError('ROUTE_NOT_FOUND', 'the queue selector returned no queue');
      return mq;
    }
    if (options.shardingKey !== undefined) return queueForKey(queues, options.shardingKey);
    const mq = this.#picker.pick(queues, lastBroker);
    if (mq === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `no writable queue for topic ${msg.topic}`);
    return mq;
  }

  /** The publish info of a cached route that has queues; undefined when it must be fetched. */
  #cachedPublishInfo(topic: string): PublishInfo | undefined {
    const route = this.#client.cachedRoute(topic);
    if (route === undefined) return undefined;
    const info = this.#infoOf(topic, route);
    if (info.queues.length === 0) return undefined;
    this.#client.watch(topic);
    return info;
  }

  async #publishInfo(topic: string): Promise<PublishInfo> {
    this.#client.watch(topic);
    let route: TopicRouteData;
    try {
      route = await this.#client.route(topic);
    } catch (err) {
      // Unknown topic: brokers that allow auto-creation serve the default topic's route; the
      // send then carries defaultTopic, and the broker creates the topic on first use.
      if (!(err instanceof ContrailError && err.code === 'TOPIC_NOT_EXIST')) throw err;
      this.#client.unwatch(topic);
      const fallback = await this.#defaultTopicInfo(topic);
      if (fallback === undefined) throw err;
      return fallback;
    }
    const info = this.#infoOf(topic, route);
    return info.queues.length > 0 ? info : this.#infoOf(topic, await this.#client.refreshRoute(topic));
  }

  /** The publish info of one route object (made once per route). */
  #infoOf(topic: string, route: TopicRouteData): PublishInfo {
    let info = this.#publishInfos.get(route);
    if (info === undefined) {
      info = publishInfo(topic, route);
      this.#publishInfos.set(route, info);
    }
    return info;
  }

  async #defaultTopicInfo(topic: string): Promise<PublishInfo | undefined> {
    try {
      const route = await this.#client.route(SystemTopic.AUTO_CREATE);
      const capped: TopicRouteData = {
        ...route,
        queueDatas: route.queueDatas.map((q) => ({
          ...q,
          readQueueNums: Math.min(q.readQueueNums, 4),
          writeQueueNums: Math.min(q.writeQueueNums, 4),
        })),
      };
      const info = publishInfo(topic, capped);
      return info.queues.length > 0 ? info : undefined;
    } catch {
      return undefined;
    }
  }

  async #brokerAddr(mq: MessageQueue): Promise<string> {
    let addr = this.#client.masterAddr(mq.brokerName);
    if (addr === undefined) {
      await this.#client.refreshRoute(mq.topic);
      addr = this.#client.masterAddr(mq.brokerName);
    }
    if (addr === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `no master address for broker ${mq.brokerName}`);
    return addr;
  }

  /** Runs an application callback; what it throws is logged, never left to reject a promise. */
  #done(callback: SendDone, err: Error | undefined, result: SendResult | undefined): void {
    try {
      callback(err, result);
    } catch (e) {
      this.#client.log.error({ err: e }, 'send callback threw');
    }
  }

  #checkRunning(): void {
    if (this.#state !== 'running') throw new ContrailError('CLIENT_STATE', `producer is ${this.#state}, not running`);
  }

  /** Counts `p` as a send in flight until it settles (shutdown waits for it). */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending++;
    p.then(this.#settle, this.#settle);
    return p;
  }
}
