// POP consumption (RocketMQ 5's model, for the gRPC door and any other): a receive takes
// messages from every queue of a topic and hides them for an invisible time; an ack by
// receipt handle consumes one; a message not acknowledged in time is delivered again, up
// to the group's max attempts (retryMaxTimes + 1), then moved to %DLQ%<group> — except in
// FIFO groups (consumeMessageOrderly), where later messages of a message group wait until
// the earlier ones are done and the client decides about the DLQ.
//
// Unlike RocketMQ, a redelivery reads the message again from its own queue (no revive
// topic); the state that makes this work — cursor and unacknowledged entries per group and
// queue — is kept in memory and written to config/popState.json (see pop-state-codec.ts).
import { Perm, Prop, decodeRecord, dlqTopic, encodeProperties, type StoredMessage } from '@contrail/common';
import { tagFilter } from '../../client/subscription-data.js';
import type { JsonConfigFile } from '../../persist/json-config-file.js';
import { isReadable, type TopicConfig } from '../../topic/topic-config.js';
import type { BrokerServices } from '../broker-services.js';
import { fail } from '../fail.js';
import { PopQueueState, type PopEntry } from './pop-queue-state.js';
import { decodePopState, encodePopState, popStateKey } from './pop-state-codec.js';
import type { PoppedMessage, PopRequest, ReceiptRef } from './pop-types.js';
import { PopWaiters } from './pop-waiters.js';
import { decodeReceiptHandle, encodeReceiptHandle, type ReceiptHandle } from './receipt-handle.js';
import { isPutStored } from '@contrail/store';

/** How far an auto-renewed delivery is pushed out each time it comes due (RocketMQ's proxy default invisible time). */
export const AUTO_RENEW_MS = 60_000;
/** A FIFO queue stops reading ahead once this many of its messages wait behind their groups. */
const FIFO_MAX_HELD = 256;
const FLUSH_INTERVAL_MS = 200;

export interface GroupPolicy {
  fifo: boolean;
  /** Deliveries before a non-FIFO message goes to the DLQ. */
  maxAttempts: number;
}

export class PopService {
  readonly #s: BrokerServices;
  readonly #file: JsonConfigFile;
  readonly #states = new Map<string, PopQueueState>();
  readonly #waiters = new PopWaiters();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #rotation = new Map<string, number>();
  /** Clients whose auto-renewed deliveries stay hidden. */
  readonly #live = new Map<string, number>();
  #nextSeq = 1;
  #dirty = false;
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(services: BrokerServices, file: JsonConfigFile) {
    this.#s = services;
    this.#file = file;
  }

  async load(): Promise<void> {
    const { states, nextSeq } = decodePopState(await this.#file.read());
    for (const [k, v] of states) this.#states.set(k, v);
    this.#nextSeq = nextSeq;
    let pending = 0;
    for (const s of states.values()) pending += s.entries.size;
    if (pending > 0) this.#s.log.info({ pending }, 'unacknowledged POP deliveries recovered');
  }

  start(): void {
    this.#unsubscribe = this.#s.store.onArrive((topic) => this.#waiters.notify(topic));
    this.#timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.#s.log.error({ err }, 'writing the POP state failed'));
    }, FLUSH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Answers held receives (empty), stops, writes the state. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#waiters.shutdown();
    await Promise.allSettled([...this.#locks.values()]);
    await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#flushing !== undefined) await this.#flushing;
    if (!this.#dirty) return;
    this.#dirty = false;
    const p = this.#file.write(encodePopState(this.#states, this.#nextSeq));
    this.#flushing = p;
    try {
      await p;
    } catch (err) {
      this.#dirty = true;
      throw err;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Held receives right now. */
  get waitingCount(): number {
    return this.#waiters.size;
  }

  /** Unacknowledged entries of a group on a topic (delivered, due, or held back). */
  inflightCount(group: string, topic: string): number {
    let n = 0;
    for (const [k, s] of this.#states) if (k.startsWith(`${group}@${topic}@`)) n += s.entries.size;
    return n;
  }

  /** A client that renews its deliveries came (true) or went (false); counted per open session. */
  clientAlive(clientId: string, alive: boolean): void {
    const n = (this.#live.get(clientId) ?? 0) + (alive ? 1 : -1);
    if (n > 0) this.#live.set(clientId, n);
    else this.#live.delete(clientId);
  }

  groupPolicy(group: string): GroupPolicy {
    const g = this.#s.groups.get(group);
    return { fifo: g?.consumeMessageOrderly ?? false, maxAttempts: (g?.retryMaxTimes ?? 16) + 1 };
  }

  /** Delivers up to maxMessages, waiting until pollUntil when none is deliverable. */
  async pop(req: PopRequest): Promise<PoppedMessage[]> {
    for (;;) {
      const tc = this.#check(req);
      const seen = this.#waiters.version(req.topic);
      const { messages, nextDue } = await this.#withLock(`${req.group}@${req.topic}`, () => this.#popOnce(req, tc));
      if (messages.length > 0) {
        let bytes = 0;
        for (const m of messages) bytes += m.message.storeSize;
        this.#s.stats.recordOut(req.topic, req.group, messages.length, bytes);
      }
      if (messages.length > 0 || this.#stopped || Date.now() >= req.pollUntil) return messages;
      await this.#waiters.wait(req.topic, Math.min(req.pollUntil, nextDue), seen);
    }
  }

  /** Consumes the delivered message; an ack of a message already consumed is accepted. */
  ack(ref: ReceiptRef): void {
    const found = this.#find(ref, true);
    if (found === undefined) return;
    found.state.entries.delete(found.entry.offset);
    this.#consumed(ref.group, ref.topic, found.state);
  }

  /** Hides the message for `ms` from now (0 makes it due at once); returns its new receipt handle. */
  changeInvisibleDuration(ref: ReceiptRef, ms: number): string {
    const found = this.#find(ref, false);
    if (found === undefined) return fail('INVALID_RECEIPT_HANDLE', 'the message was already consumed');
    const e = found.entry;
    e.seq = this.#nextSeq++;
    e.invisibleUntil = Date.now() + Math.max(0, ms);
    e.autoRenew = false;
    this.#dirty = true;
    // Held receives recompute when to look again.
    this.#waiters.notify(ref.topic);
    return this.#handle(found.state.queueId, e);
  }

  /** Moves the delivered message to %DLQ%<group> now (the client gave up on it). */
  async forwardToDeadLetterQueue(ref: ReceiptRef): Promise<void> {
    await this.#withLock(`${ref.group}@${ref.topic}`, async () => {
      const found = this.#find(ref, true);
      if (found === undefined) return;
      const m = await this.#read(ref.topic, found.state.queueId, found.entry.offset);
      if (m !== undefined) await this.#toDeadLetterQueue(ref.group, m, found.entry.baseAttempts + found.entry.attempts);
      found.state.entries.delete(found.entry.offset);
      this.#consumed(ref.group, ref.topic, found.state);
    });
  }

  #check(req: PopRequest): TopicConfig {
    const { config, groups, topics } = this.#s;
    if ((config.brokerPermission & Perm.READ) === 0) fail('NO_PERMISSION', `the broker[${config.brokerName}] pulling message is forbidden`);
    const group = groups.findOrCreate(req.group);
    if (group === undefined) fail('SUBSCRIPTION_GROUP_NOT_EXIST', `subscription group [${req.group}] does not exist`);
    if (!group.consumeEnable) fail('NO_PERMISSION', `subscription group no permission, ${req.group}`);
    const tc = topics.get(req.topic);
    if (tc === undefined) fail('TOPIC_NOT_EXIST', `topic[${req.topic}] not exist, apply first please!`);
    if (!isReadable(tc.perm)) fail('NO_PERMISSION', `the topic[${req.topic}] pulling message is forbidden`);
    return tc;
  }

  async #popOnce(req: PopRequest, tc: TopicConfig): Promise<{ messages: PoppedMessage[]; nextDue: number }> {
    const policy = this.groupPolicy(req.group);
    const out: PoppedMessage[] = [];
    const n = tc.readQueueNums;
    const rotationKey = `${req.group}@${req.topic}`;
    const start = this.#rotation.get(rotationKey) ?? 0;
    this.#rotation.set(rotationKey, (start + 1) % Math.max(1, n));
    let nextDue = Infinity;
    for (let i = 0; i < n; i++) {
      const st = this.#state(req.group, req.topic, (start + i) % n);
      if (out.length < req.maxMessages) await this.#popQueue(req, st, policy, out);
      nextDue = Math.min(nextDue, st.nextDue(Date.now()));
    }
    return { messages: out, nextDue };
  }

  async #popQueue(req: PopRequest, st: PopQueueState, policy: GroupPolicy, out: PoppedMessage[]): Promise<void> {
    const now = Date.now();
    const blocked = new Set<string>();
    const due: PopEntry[] = [];
    for (const e of st.sorted()) {
      if (e.attempts > 0 && e.invisibleUntil <= now && e.autoRenew && this.#live.has(e.owner)) {
        e.invisibleUntil = now + AUTO_RENEW_MS;
        this.#dirty = true;
      }
      const waiting = e.invisibleUntil > now || (policy.fifo && blocked.has(e.messageGroup));
      if (policy.fifo) blocked.add(e.messageGroup);
      // Entries past the batch still mark their groups as taken.
      if (!waiting && out.length + due.length < req.maxMessages) due.push(e);
    }
    for (const e of due) {
      const seq = e.seq;
      const m = await this.#read(req.topic, st.queueId, e.offset);
      if (st.entries.get(e.offset) !== e || e.seq !== seq) continue; // acknowledged or changed meanwhile
      if (m === undefined) {
        st.entries.delete(e.offset); // removed by retention: nothing left to deliver
        this.#consumed(req.group, req.topic, st);
        continue;
      }
      if (!policy.fifo && e.baseAttempts + e.attempts >= policy.maxAttempts) {
        await this.#toDeadLetterQueue(req.group, m, e.baseAttempts + e.attempts);
        st.entries.delete(e.offset);
        this.#consumed(req.group, req.topic, st);
        continue;
      }
      out.push(this.#deliver(req, st, e, m));
    }
    if (out.length >= req.maxMessages || (policy.fifo && st.entries.size >= FIFO_MAX_HELD)) return;
    await this.#readNew(req, st, policy, blocked, out);
  }

  async #readNew(req: PopRequest, st: PopQueueState, policy: GroupPolicy, blocked: Set<string>, out: PoppedMessage[]): Promise<void> {
    const want = req.maxMessages - out.length;
    const from = st.cursor;
    const r = await this.#s.store.getMessage(req.topic, st.queueId, from, want, tagFilter(req.subscription));
    if (st.cursor !== from) return; // another path moved the cursor meanwhile (cannot happen under the lock)
    if (r.status === 'FOUND') {
      for (const buf of r.buffers) {
        const m = decodeRecord(buf, 0, { strict: false });
        st.cursor = Math.max(st.cursor, m.queueOffset + 1);
        if (!matchesTags(req, m)) continue;
        const e: PopEntry = {
          offset: m.queueOffset,
          attempts: 0,
          invisibleUntil: 0,
          seq: 0,
          autoRenew: false,
          owner: '',
          messageGroup: m.properties[Prop.SHARDING_KEY] ?? '',
          baseAttempts: m.reconsumeTimes,
        };
        st.entries.set(e.offset, e);
        if (policy.fifo && blocked.has(e.messageGroup)) continue;
        if (policy.fifo) blocked.add(e.messageGroup);
        out.push(this.#deliver(req, st, e, m));
      }
    }
    // Filtered-out, removed or overshot offsets: continue from where the store says.
    if (r.status !== 'NO_MESSAGE_IN_QUEUE' && r.status !== 'OFFSET_OVERFLOW_ONE' && r.nextBeginOffset > st.cursor) st.cursor = r.nextBeginOffset;
    if (r.status === 'OFFSET_OVERFLOW_BADLY' && r.nextBeginOffset < st.cursor) st.cursor = r.nextBeginOffset;
    if (st.cursor !== from) {
      this.#dirty = true;
      this.#commit(req.group, req.topic, st);
    }
  }

  #deliver(req: PopRequest, st: PopQueueState, e: PopEntry, m: StoredMessage): PoppedMessage {
    const now = Date.now();
    e.attempts++;
    e.seq = this.#nextSeq++;
    e.autoRenew = req.autoRenew;
    e.owner = req.clientId;
    e.invisibleUntil = now + req.invisibleMs;
    this.#dirty = true;
    return {
      message: m,
      receiptHandle: this.#handle(st.queueId, e),
      deliveryAttempt: e.baseAttempts + e.attempts,
      popTime: now,
      invisibleMs: req.invisibleMs,
    };
  }

  #handle(queueId: number, e: PopEntry): string {
    return encodeReceiptHandle({ queueId, offset: e.offset, seq: e.seq, brokerName: this.#s.config.brokerName });
  }

  /** The entry a handle points at; undefined when it was consumed already (if `consumedOk`). */
  #find(ref: ReceiptRef, consumedOk: boolean): { state: PopQueueState; entry: PopEntry } | undefined {
    const h: ReceiptHandle | undefined = decodeReceiptHandle(ref.receiptHandle);
    if (h === undefined || h.brokerName !== this.#s.config.brokerName) {
      return fail('INVALID_RECEIPT_HANDLE', `the receipt handle ${JSON.stringify(ref.receiptHandle)} was not issued by broker ${this.#s.config.brokerName}`);
    }
    const state = this.#states.get(popStateKey(ref.group, ref.topic, h.queueId));
    const entry = state?.entries.get(h.offset);
    if (state === undefined || entry === undefined) {
      if (consumedOk && state !== undefined && h.offset < state.cursor) return undefined;
      return fail('INVALID_RECEIPT_HANDLE', `no delivery of ${ref.topic} queue ${h.queueId} offset ${h.offset} is pending for group ${ref.group}`);
    }
    if (entry.seq !== h.seq) fail('INVALID_RECEIPT_HANDLE', 'the receipt handle is stale: the message was delivered again or its invisible time changed');
    return { state, entry };
  }

  #consumed(group: string, topic: string, st: PopQueueState): void {
    this.#dirty = true;
    this.#commit(group, topic, st);
    // A FIFO group may have released its next message.
    if (this.groupPolicy(group).fifo) this.#waiters.notify(topic);
  }

  /** The consumed prefix is the group's consumer offset, as any door and admin tool sees it. */
  #commit(group: string, topic: string, st: PopQueueState): void {
    this.#s.offsets.commitOffset(group, topic, st.queueId, st.ackedUpTo);
  }

  #state(group: string, topic: string, queueId: number): PopQueueState {
    const key = popStateKey(group, topic, queueId);
    let st = this.#states.get(key);
    if (st === undefined) {
      st = new PopQueueState(queueId, this.#initialOffset(group, topic, queueId));
      this.#states.set(key, st);
      this.#dirty = true;
    }
    return st;
  }

  /** The committed offset; for a new group the queue start while it still holds its first message, else its end. */
  #initialOffset(group: string, topic: string, queueId: number): number {
    const committed = this.#s.offsets.queryOffset(group, topic, queueId);
    if (committed >= 0) return committed;
    const store = this.#s.store;
    return store.getMinOffsetInQueue(topic, queueId) <= 0 ? 0 : store.getMaxOffsetInQueue(topic, queueId);
  }

  async #read(topic: string, queueId: number, offset: number): Promise<StoredMessage | undefined> {
    const r = await this.#s.store.getMessage(topic, queueId, offset, 1);
    const buf = r.status === 'FOUND' ? r.buffers[0] : undefined;
    if (buf === undefined) return undefined;
    const m = decodeRecord(buf, 0, { strict: false });
    return m.queueOffset === offset ? m : undefined;
  }

  async #toDeadLetterQueue(group: string, m: StoredMessage, attempts: number): Promise<void> {
    const topic = dlqTopic(group);
    this.#s.topics.createInSendMessageBack(topic, 1, Perm.READ | Perm.WRITE);
    const props: Record<string, string> = { ...m.properties, [Prop.DLQ_ORIGIN_TOPIC]: m.topic, [Prop.DLQ_ORIGIN_MESSAGE_ID]: m.properties[Prop.UNIQ_KEY] ?? m.msgId };
    delete props[Prop.DELAY];
    const r = await this.#s.store.putMessage({
      topic,
      queueId: 0,
      flag: m.flag,
      sysFlag: m.sysFlag,
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      reconsumeTimes: attempts,
      preparedTransactionOffset: 0,
      body: m.body,
      properties: encodeProperties(props),
    });
    if (!isPutStored(r.status)) {
      fail('SYSTEM_ERROR', `moving a message to ${topic} failed: ${r.status}`);
    }
    this.#s.log.info({ group, topic: m.topic, msgId: props[Prop.DLQ_ORIGIN_MESSAGE_ID], attempts }, 'message moved to the DLQ');
  }

  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const chained = prev.then(() => mine);
    this.#locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(key) === chained) this.#locks.delete(key);
    }
  }
}

/** The consume queue filters by tag hash; this drops hash collisions. */
function matchesTags(req: PopRequest, m: StoredMessage): boolean {
  const tags = req.subscription.tagsSet;
  if (tags.length === 0 || req.subscription.expressionType !== 'TAG') return true;
  const tag = m.properties[Prop.TAGS];
  return tag !== undefined && tags.includes(tag);
}
