// Transactional messages on the broker (RocketMQ's TransactionalMessageService, remoting.md §7).
// Half messages wait in RMQ_SYS_TRANS_HALF_TOPIC; END_TRANSACTION commits one (a new record in
// its real topic and queue) or rolls it back, and either way an op record in
// RMQ_SYS_TRANS_OP_HALF_TOPIC marks it finished, so a restart knows. Unfinished half messages
// older than transactionTimeOut are checked back with a live producer of their group; after
// transactionCheckMax checks they are moved to TRANS_CHECK_MAX_TIME_TOPIC.
//
// Unlike RocketMQ, a checked half message is not re-appended: the check count is itself an op
// record, so a half message keeps its offsets and a late answer to an earlier check still
// finds it. A finished half message is ignored by any later END_TRANSACTION, so a commit
// writes the real message once.
import { Perm, Prop, SystemTopic, createLogger, decodeRecord, encodeProperties, type Logger, type StoredMessage } from '@contrail/common';
import type { ClientChannel } from '../client/client-channel.js';
import type { ProducerManager } from '../client/producer-manager.js';
import { fail } from '../messaging/fail.js';
import type { JsonConfigFile } from '../persist/json-config-file.js';
import type { MessageStorePort, PutMessageInput, PutMessageResult } from '../store/message-store-port.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';
import { HalfTable, type HalfEntry } from './half-table.js';
import { OP_CHECK_TAG, OP_DONE_TAG, checkRequestBody, committedMessage, discardedMessage, opMessage } from './half-message.js';
import { readQueue } from './queue-reader.js';
import { TransactionState, type EndTransactionOutcome, type EndTransactionRequest } from './transaction-types.js';
import { isPutStored } from '@contrail/store';

export interface TransactionSettings {
  transactionTimeOut: number;
  transactionCheckMax: number;
  transactionCheckInterval: number;
  brokerName: string;
}

/** Where a committed message really goes: applies delay levels and timers, as a send would. */
export type FinalTarget = (t: { topic: string; queueId: number; props: Record<string, string> }, sysFlag: number) => { topic: string; queueId: number; props: Record<string, string> };

export interface TransactionDeps {
  store: MessageStorePort;
  producers: ProducerManager;
  topics: TopicConfigManager;
  /** config/transactionOffset.json: the restart point. */
  file: JsonConfigFile;
  storeHost: string;
  finalTarget: FinalTarget;
  logger?: Logger;
}

const HALF = SystemTopic.TRANS_HALF;
const OP = SystemTopic.TRANS_OP_HALF;

export class TransactionalMessageService {
  readonly #d: TransactionDeps;
  readonly #s: TransactionSettings;
  readonly #log: Logger;
  readonly #table = new HalfTable();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #nextChannel = 0;
  #lastSaved = '';

  constructor(settings: TransactionSettings, deps: TransactionDeps) {
    this.#s = settings;
    this.#d = deps;
    this.#log = deps.logger ?? createLogger('transaction');
  }

  /** Unfinished half messages. */
  get pendingCount(): number {
    return this.#table.size;
  }

  /** Rebuilds the table of unfinished half messages from the half and op queues. */
  async load(): Promise<void> {
    const saved = await this.#d.file.read();
    const point = parsePoint(saved);
    for await (const m of readQueue(this.#d.store, HALF, 0, point.halfOffset)) {
      this.#table.add({
        queueOffset: m.queueOffset,
        physicalOffset: m.physicalOffset,
        storeTimestamp: m.storeTimestamp,
        checkTimes: checkTimesOf(m),
        opMark: point.opOffset,
      });
    }
    for await (const op of readQueue(this.#d.store, OP, 0, point.opOffset)) {
      const halfOffset = Number(op.body.toString('utf8'));
      const e = this.#table.get(halfOffset);
      if (e === undefined) continue;
      if (op.properties[Prop.TAGS] === OP_DONE_TAG) this.#table.delete(halfOffset);
      else if (op.properties[Prop.TAGS] === OP_CHECK_TAG) e.checkTimes = Math.max(e.checkTimes, checkTimesOf(op));
    }
    if (this.#table.size > 0) this.#log.info({ pending: this.#table.size }, 'unfinished transactions recovered');
  }

  start(): void {
    this.#timer = setInterval(() => this.checkNow(), this.#s.transactionCheckInterval);
    this.#timer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
    await this.flush();
  }

  /** Persists the restart point (when it moved). */
  async flush(): Promise<void> {
    const p = this.#table.restartPoint(this.#d.store.getMaxOffsetInQueue(HALF, 0), this.#d.store.getMaxOffsetInQueue(OP, 0));
    const text = JSON.stringify(p);
    if (text === this.#lastSaved) return;
    await this.#d.file.write(p);
    this.#lastSaved = text;
  }

  /** Stores a half message (already in the half topic's shape) and tracks it until it is finished. */
  async prepare(put: () => Promise<PutMessageResult>): Promise<PutMessageResult> {
    const opEnd = this.#d.store.getMaxOffsetInQueue(OP, 0);
    const token = this.#table.beginStoring(this.#d.store.getMaxOffsetInQueue(HALF, 0), opEnd);
    try {
      const r = await put();
      if (isPutStored(r.status)) {
        this.#table.add({ queueOffset: r.queueOffset, physicalOffset: r.physicalOffset, storeTimestamp: r.storeTimestamp, checkTimes: 0, opMark: opEnd });
      }
      return r;
    } finally {
      this.#table.endStoring(token);
    }
  }

  async endTransaction(req: EndTransactionRequest): Promise<EndTransactionOutcome> {
    if (req.commitOrRollback === TransactionState.UNKNOW) {
      // RocketMQ ignores UNKNOW: the half message stays and will be checked back.
      this.#log.debug({ offset: req.tranStateTableOffset, fromCheck: req.fromTransactionCheck }, 'transaction state unknown');
      return 'IGNORED';
    }
    if (req.commitOrRollback !== TransactionState.COMMIT && req.commitOrRollback !== TransactionState.ROLLBACK) {
      fail('SYSTEM_ERROR', `commitOrRollback ${req.commitOrRollback} is not 0, 8 or 12`);
    }
    const entry = this.#table.get(req.tranStateTableOffset);
    if (entry === undefined || entry.busy) {
      fail('SYSTEM_ERROR', `the transaction at half offset ${req.tranStateTableOffset} is unknown or already finished`);
    }
    entry.busy = true;
    try {
      const half = await this.#lookHalf(req.commitLogOffset);
      if (half.properties[Prop.PGROUP] !== req.producerGroup) fail('SYSTEM_ERROR', 'The producer group wrong');
      if (half.queueOffset !== req.tranStateTableOffset || half.topic !== HALF) fail('SYSTEM_ERROR', 'The transaction state table offset wrong');
      if (half.physicalOffset !== entry.physicalOffset) fail('SYSTEM_ERROR', 'The commit log offset wrong');
      if (req.commitOrRollback === TransactionState.COMMIT) await this.#putFinal(half);
      await this.#finish(entry);
      this.#log.debug({ offset: entry.queueOffset, commit: req.commitOrRollback === TransactionState.COMMIT, fromCheck: req.fromTransactionCheck }, 'transaction ended');
      return req.commitOrRollback === TransactionState.COMMIT ? 'COMMITTED' : 'ROLLED_BACK';
    } finally {
      entry.busy = false;
    }
  }

  /** One check pass (also run every transactionCheckInterval); concurrent calls share a pass. */
  checkNow(): Promise<void> {
    if (this.#checking !== undefined) return this.#checking;
    const pass = this.#checkPass()
      .catch((err: unknown) => this.#log.error({ err }, 'transaction check pass failed'))
      .finally(() => {
        this.#checking = undefined;
      });
    this.#checking = pass;
    return pass;
  }

  async #checkPass(): Promise<void> {
    const now = Date.now();
    for (const e of this.#table.sorted()) {
      if (e.busy) continue;
      if (now - e.storeTimestamp < this.#s.transactionTimeOut) break;
      try {
        await this.#checkOne(e, now);
      } catch (err) {
        this.#log.error({ err, offset: e.queueOffset }, 'transaction check failed');
      }
    }
  }

  async #checkOne(e: HalfEntry, now: number): Promise<void> {
    let half: StoredMessage;
    try {
      half = await this.#lookHalf(e.physicalOffset);
    } catch {
      // Retention removed it: nothing left to commit.
      this.#log.warn({ offset: e.queueOffset }, 'half message no longer in the commit log; dropped');
      await this.#finish(e);
      return;
    }
    const immunity = Number(half.properties[Prop.CHECK_IMMUNITY_TIME_IN_SECONDS]);
    if (Number.isFinite(immunity) && immunity > 0 && now - e.storeTimestamp < immunity * 1000) return;
    if (e.checkTimes >= this.#s.transactionCheckMax) {
      e.busy = true;
      try {
        this.#d.topics.createInSendMessageBack(SystemTopic.TRANS_CHECK_MAX_TIME, 1, Perm.READ | Perm.WRITE);
        await this.#put(discardedMessage(half, e.checkTimes));
        await this.#finish(e);
      } finally {
        e.busy = false;
      }
      this.#log.warn(
        { offset: e.queueOffset, msgId: half.properties[Prop.UNIQ_KEY], group: half.properties[Prop.PGROUP], checks: e.checkTimes },
        `half message discarded to ${SystemTopic.TRANS_CHECK_MAX_TIME} after ${e.checkTimes} unanswered checks`,
      );
      return;
    }
    e.checkTimes++;
    await this.#put(opMessage(e.queueOffset, OP_CHECK_TAG, this.#d.storeHost, e.checkTimes));
    const group = half.properties[Prop.PGROUP] ?? '';
    const channel = this.#pickProducer(group);
    if (channel === undefined) {
      this.#log.warn({ group, offset: e.queueOffset }, 'no live producer of the group to check the transaction with');
      return;
    }
    const uniq = half.properties[Prop.UNIQ_KEY] ?? half.msgId;
    const header: Record<string, string> = {
      tranStateTableOffset: String(half.queueOffset),
      commitLogOffset: String(half.physicalOffset),
      msgId: uniq,
      transactionId: uniq,
      offsetMsgId: half.msgId,
      bname: this.#s.brokerName,
      topic: half.properties[Prop.REAL_TOPIC] ?? '',
    };
    channel.checkTransactionState?.(header, checkRequestBody(half, e.checkTimes));
  }

  /** Any live producer of the group that can be asked, in turn. */
  #pickProducer(group: string): ClientChannel | undefined {
    const able = this.#d.producers.channels(group).filter((p) => p.channel.checkTransactionState !== undefined);
    if (able.length === 0) return undefined;
    return able[this.#nextChannel++ % able.length]?.channel;
  }

  async #putFinal(half: StoredMessage): Promise<void> {
    const c = committedMessage(half);
    if (c.topic.length === 0) fail('SYSTEM_ERROR', 'the half message has no REAL_TOPIC');
    const t = this.#d.finalTarget({ topic: c.topic, queueId: c.queueId, props: c.props }, c.input.sysFlag);
    await this.#put({ ...c.input, topic: t.topic, queueId: t.queueId, properties: encodeProperties(t.props) });
  }

  async #finish(e: HalfEntry): Promise<void> {
    await this.#put(opMessage(e.queueOffset, OP_DONE_TAG, this.#d.storeHost));
    this.#table.delete(e.queueOffset);
  }

  async #lookHalf(commitLogOffset: number): Promise<StoredMessage> {
    const buf = await this.#d.store.lookMessageByOffset(commitLogOffset);
    if (buf === null) fail('SYSTEM_ERROR', 'Find prepared transaction message failed');
    return decodeRecord(buf, 0, { strict: false });
  }

  async #put(input: PutMessageInput): Promise<void> {
    const r = await this.#d.store.putMessage(input);
    if (!isPutStored(r.status)) {
      fail('SYSTEM_ERROR', `store refused a ${input.topic} record: ${r.status}`);
    }
  }
}

function checkTimesOf(m: StoredMessage): number {
  const n = Number(m.properties[Prop.TRANSACTION_CHECK_TIMES] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function parsePoint(json: unknown): { halfOffset: number; opOffset: number } {
  const o = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const n = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
  return { halfOffset: n(o.halfOffset), opOffset: n(o.opOffset) };
}
