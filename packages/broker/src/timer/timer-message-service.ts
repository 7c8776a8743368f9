// Arbitrary-time delivery (RocketMQ 5's TimerMessageStore, reduced): messages parked in
// rmq_sys_wheel_timer are enqueued, in consume-queue order, as records in the timer log,
// linked per wheel slot; the dequeue side walks each slot once its time comes and writes the
// messages to their real topic and queue. Only the slots around "now" and the records of the
// slot being delivered are in memory, whatever the number of pending timers.
//
// Never early: a slot holds records due in [t, t + precision); once t has come, each record
// is delivered at its own exact due time (a timer for the rest of the slot).
//
// Durability: timer records and wheel slots are flushed every timerFlushIntervalMs, the log
// first, then a checkpoint (config/timerCheckpoint.json) saying how far the log, the enqueue
// and the dequeue had got. A restart replays log records past the checkpoint into the wheel,
// so nothing is enqueued twice, and resumes the dequeue at the checkpoint (a message delivered
// after the last checkpoint may be delivered again, never lost).
//
// Recall: a delete marker (TIMER_DEL_UNIQKEY) is enqueued like any record, flagged, into the
// slot of the message it names. Its key is remembered before the recall is answered, when the
// marker is enqueued, and again whenever its slot is read (after a restart), until the slot is
// wholly delivered; every copy with that message id is dropped instead of delivered. A recall
// that arrives after its message was delivered has no effect.
import { join } from 'node:path';
import { Prop, createLogger, decodeRecord, encodeProperties, type Logger } from '@contrail/common';
import type { JsonConfigFile } from '../persist/json-config-file.js';
import type { MessageStorePort } from '../store/message-store-port.js';
import { readQueue } from '../transaction/queue-reader.js';
import { DueHeap, type Due } from './due-heap.js';
import { TIMER_DEL_UNIQKEY, deleteKey } from './recall-handle.js';
import { TimerLog } from './timer-log.js';
import { TIMER_FLAG_DELETE, type TimerRecord } from './timer-record.js';
import { TIMER_DEQUEUE_MS, TIMER_OUT_MS, TIMER_TOPIC } from './timer-target.js';
import { TimerWheel } from './timer-wheel.js';
import { isPutStored } from '@contrail/store';

export interface TimerServiceSettings {
  storePathRootDir: string;
  timerPrecisionMs: number;
  timerMaxDelaySec: number;
  timerFlushIntervalMs: number;
  /** Records per timer-log segment (default 1,000,000: 48 MB). */
  timerLogRecordsPerSegment?: number;
}

interface Checkpoint {
  enqueueOffset: number;
  readTimeMs: number;
  logPos: number;
  precisionMs: number;
  slotsTotal: number;
}

const DAY_MS = 86_400_000;
const ENQUEUE_BATCH = 1024;
const READ_AHEAD_SLOTS = 256;
const MAX_DELIVERING = 128;
const RETRY_AFTER_FAILURE_MS = 1000;

function isMarker(r: TimerRecord): boolean {
  return ((r.flags ?? 0) & TIMER_FLAG_DELETE) !== 0;
}

export class TimerMessageService {
  readonly #s: TimerServiceSettings;
  readonly #store: MessageStorePort;
  readonly #file: JsonConfigFile;
  readonly #log: Logger;
  readonly #tlog: TimerLog;
  readonly #wheel: TimerWheel;
  /** Next rmq_sys_wheel_timer consume-queue offset to enqueue. */
  #enqueueOffset = 0;
  /** Slots before this time have been read for delivery. */
  #next = 0;
  /** The slot being read into the due set (its records are in neither #next's past nor #due yet). */
  #reading: number | undefined;
  /** Records read (or enqueued late) and not yet delivered, by log position. */
  readonly #due = new Map<number, Due>();
  /** The same records not being delivered right now, earliest first. */
  readonly #heap = new DueHeap();
  #delivering = 0;
  #dueTimer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #enqueuing: Promise<void> | undefined;
  #enqueueAgain = false;
  #dequeuing: Promise<void> | undefined;
  #flushing: Promise<void> | undefined;
  #stopped = false;
  #delivered = 0;
  #recalledCount = 0;
  /**
   * Delete keys (topic + "+" + message id) of recalled messages → their due time. A key is
   * kept until every record of its slot has been delivered or dropped (the read time is past
   * the slot), however late that is, and matches every copy that carries the id.
   */
  readonly #recalled = new Map<string, number>();

  constructor(settings: TimerServiceSettings, store: MessageStorePort, checkpointFile: JsonConfigFile, logger?: Logger) {
    this.#s = settings;
    this.#store = store;
    this.#file = checkpointFile;
    this.#log = logger ?? createLogger('timer');
    this.#tlog = new TimerLog(join(settings.storePathRootDir, 'timerlog'), settings.timerLogRecordsPerSegment);
    const span = 2 * settings.timerMaxDelaySec * 1000 + DAY_MS;
    this.#wheel = new TimerWheel(join(settings.storePathRootDir, 'timerwheel'), Math.ceil(span / settings.timerPrecisionMs), settings.timerPrecisionMs);
  }

  /** Timers enqueued and not yet delivered are on disk; this counts deliveries since start. */
  get deliveredCount(): number {
    return this.#delivered;
  }

  /** Timer messages dropped because they were recalled, since start. */
  get recalledCount(): number {
    return this.#recalledCount;
  }

  /** Records read for delivery and still waiting in memory (the current window). */
  get inMemoryCount(): number {
    return this.#due.size;
  }

  async load(): Promise<void> {
    const cp = parseCheckpoint(await this.#file.read());
    if (cp !== undefined && (cp.precisionMs !== this.#wheel.precisionMs || cp.slotsTotal !== this.#wheel.slotsTotal)) {
      throw new Error(
        `the timer wheel under ${this.#s.storePathRootDir} was built with timerPrecisionMs=${cp.precisionMs} and ${cp.slotsTotal} slots; ` +
          `this configuration needs ${this.#wheel.precisionMs} and ${this.#wheel.slotsTotal} (timerMaxDelaySec). Restore the settings, or remove timerwheel/ and timerlog/ with no timers pending.`,
      );
    }
    await this.#tlog.open();
    await this.#wheel.open();
    this.#enqueueOffset = cp?.enqueueOffset ?? 0;
    this.#next = cp?.readTimeMs ?? this.#wheel.slotTime(Date.now());
    // Records appended after the checkpoint: put them in the wheel again (idempotent), a
    // batch at a time, so a long replay does not hold the records in memory.
    let replayed = 0;
    await this.#tlog.scanBatches(cp?.logPos ?? 0, async (part) => {
      await this.#wheel.load(part.map((r) => this.#wheel.slotTime(r.rec.delayedTime)));
      for (const { rec, pos } of part) {
        const t = this.#wheel.slotTime(rec.delayedTime);
        const slot = this.#wheel.peek(t);
        if (slot !== undefined && slot.lastPos < pos) this.#wheel.set(t, pos, slot.lastPos < 0 ? 1 : slot.num + 1);
        if (t < this.#next) {
          if (isMarker(rec)) await this.#rememberMarker(rec);
          else this.#addDue(pos, rec);
        }
        if (rec.queueOffset >= this.#enqueueOffset) this.#enqueueOffset = rec.queueOffset + 1;
      }
      replayed += part.length;
    });
    if (replayed > 0) this.#log.info({ records: replayed }, 'timer log replayed into the wheel');
  }

  start(): void {
    const tickMs = Math.max(10, Math.min(100, this.#s.timerPrecisionMs));
    this.#tick = setInterval(() => {
      this.kickEnqueue();
      this.#kickDequeue();
      this.#forgetOldRecalls();
    }, tickMs);
    this.#tick.unref();
    this.#flushTimer = setInterval(() => {
      this.flush().catch((err: unknown) => this.#log.error({ err }, 'timer flush failed'));
    }, this.#s.timerFlushIntervalMs);
    this.#flushTimer.unref();
    this.#scheduleDue();
  }

  /** A message landed in rmq_sys_wheel_timer: enqueue it soon. */
  kickEnqueue(): void {
    if (this.#stopped) return;
    if (this.#enqueuing !== undefined) {
      this.#enqueueAgain = true;
      return;
    }
    this.#enqueuing = this.#enqueue()
      .catch((err: unknown) => this.#log.error({ err }, 'timer enqueue failed'))
      .finally(() => {
        this.#enqueuing = undefined;
        if (this.#enqueueAgain) {
          this.#enqueueAgain = false;
          this.kickEnqueue();
        }
      });
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#tick, this.#flushTimer, this.#dueTimer]) if (t !== undefined) clearInterval(t);
    await this.#enqueuing;
    await this.#dequeuing;
    while (this.#delivering > 0) await new Promise((r) => setTimeout(r, 10));
    await this.flush();
    await this.#tlog.close();
    await this.#wheel.close();
  }

  /** Log, then wheel, then checkpoint; concurrent calls share one flush. */
  flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const cp: Checkpoint = {
      enqueueOffset: this.#enqueueOffset,
      readTimeMs: this.#readTime(),
      logPos: this.#tlog.end,
      precisionMs: this.#wheel.precisionMs,
      slotsTotal: this.#wheel.slotsTotal,
    };
    const slots = this.#wheel.takeDirty();
    await this.#tlog.flush();
    await this.#wheel.write(slots);
    await this.#file.write(cp);
    await this.#deleteOldLog(cp.readTimeMs);
  }

  /** The earliest slot not wholly delivered. */
  #readTime(): number {
    let t = Math.min(this.#next, this.#reading ?? Infinity);
    for (const d of this.#due.values()) t = Math.min(t, this.#wheel.slotTime(d.rec.delayedTime));
    return t;
  }

  async #enqueue(): Promise<void> {
    const batch: { rec: TimerRecord }[] = [];
    const drain = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.#wheel.load(batch.map((b) => this.#wheel.slotTime(b.rec.delayedTime)));
      for (const { rec } of batch.splice(0)) this.#add(rec);
    };
    for await (const m of readQueue(this.#store, TIMER_TOPIC, 0, this.#enqueueOffset)) {
      if (this.#stopped) break;
      const due = Number(m.properties[TIMER_OUT_MS]);
      const delayedTime = Number.isSafeInteger(due) ? due : 0;
      const del = m.properties[TIMER_DEL_UNIQKEY];
      if (del !== undefined) this.#recalled.set(del, delayedTime);
      const flags = del !== undefined ? TIMER_FLAG_DELETE : 0;
      batch.push({ rec: { delayedTime, offsetPy: m.physicalOffset, sizePy: m.storeSize, prevPos: -1, queueOffset: m.queueOffset, flags } });
      if (batch.length >= ENQUEUE_BATCH) await drain();
    }
    await drain();
  }

  /** Appends one record to the log and its slot; a slot already read delivers it directly. */
  #add(r: TimerRecord): void {
    const t = this.#wheel.slotTime(r.delayedTime);
    const slot = this.#wheel.peek(t);
    if (slot === undefined) throw new Error(`timer wheel slot ${t} was not loaded`);
    const rec = { ...r, prevPos: slot.lastPos };
    const pos = this.#tlog.append(rec);
    this.#wheel.set(t, pos, slot.lastPos < 0 ? 1 : slot.num + 1);
    this.#enqueueOffset = r.queueOffset + 1;
    if (t < this.#next && !isMarker(rec)) {
      this.#addDue(pos, rec);
      this.#scheduleDue();
    }
  }

  #kickDequeue(): void {
    if (this.#stopped || this.#dequeuing !== undefined) return;
    if (this.#next > Date.now() + this.#wheel.precisionMs) return;
    this.#dequeuing = this.#dequeue()
      .catch((err: unknown) => this.#log.error({ err }, 'timer dequeue failed'))
      .finally(() => {
        this.#dequeuing = undefined;
      });
  }

  /** Reads every slot whose time has come into the due set. */
  async #dequeue(): Promise<void> {
    // One slot ahead: its records wait in memory for their exact time, so none is late by a tick.
    while (!this.#stopped && this.#next <= Date.now() + this.#wheel.precisionMs) {
      const t = this.#next;
      let slot = this.#wheel.peek(t);
      if (slot === undefined) {
        await this.#wheel.loadAhead(t, READ_AHEAD_SLOTS);
        slot = this.#wheel.peek(t);
        if (slot === undefined) continue;
      }
      // From here, records enqueued into slot t go to the due set directly (see #add). Until its
      // records are in the due set, a checkpoint (and the recall bookkeeping) still counts slot
      // t as unread: a crash in between reads it again instead of losing it.
      this.#next = t + this.#wheel.precisionMs;
      this.#reading = t;
      let pos = slot.lastPos;
      const found: { pos: number; rec: TimerRecord }[] = [];
      while (pos >= 0) {
        const rec = await this.#tlog.read(pos);
        if (rec === null) {
          this.#log.error({ pos, slot: t }, 'timer log record unreadable; the rest of the slot is lost');
          break;
        }
        if (this.#wheel.slotTime(rec.delayedTime) === t) found.push({ pos, rec });
        pos = rec.prevPos;
      }
      // Markers first, so that the messages they name are known before any is delivered.
      for (const d of found) if (isMarker(d.rec)) await this.#rememberMarker(d.rec);
      for (const d of found) if (!isMarker(d.rec)) this.#addDue(d.pos, d.rec);
      this.#reading = undefined;
      this.#wheel.forget(t);
      this.#scheduleDue();
    }
  }

  #addDue(pos: number, rec: TimerRecord): void {
    if (this.#due.has(pos)) return;
    const d: Due = { pos, rec, at: rec.delayedTime };
    this.#due.set(pos, d);
    this.#heap.push(d);
  }

  /** Delivers what is due now and sets a timer for the earliest of the rest. */
  #scheduleDue(): void {
    if (this.#stopped) return;
    if (this.#dueTimer !== undefined) clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    const now = Date.now();
    for (let top = this.#heap.peek(); top !== undefined && top.at <= now && this.#delivering < MAX_DELIVERING; top = this.#heap.peek()) {
      this.#heap.pop();
      this.#deliver(top);
    }
    // At the delivery limit, each finished delivery calls this again.
    const next = this.#heap.peek();
    if (next !== undefined && this.#delivering < MAX_DELIVERING) {
      this.#dueTimer = setTimeout(() => this.#scheduleDue(), Math.max(0, next.at - Date.now()));
      this.#dueTimer.unref();
    }
  }

  #deliver(d: Due): void {
    this.#delivering++;
    this.#put(d.rec)
      .then(
        () => {
          this.#due.delete(d.pos);
          this.#delivered++;
        },
        (err: unknown) => {
          this.#log.error({ err, offsetPy: d.rec.offsetPy }, 'delivering a timer message failed; retrying');
          d.at = Date.now() + RETRY_AFTER_FAILURE_MS;
          this.#heap.push(d);
        },
      )
      .finally(() => {
        this.#delivering--;
        this.#scheduleDue();
      });
  }

  async #put(r: TimerRecord): Promise<void> {
    const buf = await this.#store.lookMessageByOffset(r.offsetPy);
    if (buf === null) {
      this.#log.warn({ offsetPy: r.offsetPy }, 'timer message no longer in the commit log; dropped');
      return;
    }
    const m = decodeRecord(buf, 0, { strict: false });
    const topic = m.properties[Prop.REAL_TOPIC];
    const queueId = Number(m.properties[Prop.REAL_QID]);
    if (m.topic !== TIMER_TOPIC || topic === undefined || !Number.isInteger(queueId) || queueId < 0) {
      this.#log.warn({ offsetPy: r.offsetPy, topic: m.topic }, 'timer record without a timer message or REAL_TOPIC/REAL_QID; dropped');
      return;
    }
    const id = m.properties[Prop.UNIQ_KEY];
    if (id !== undefined && this.#recalled.has(deleteKey(topic, id))) {
      this.#recalledCount++;
      this.#log.info({ topic, msgId: id }, 'timer message recalled; not delivered');
      return;
    }
    const res = await this.#store.putMessage({
      topic,
      queueId,
      flag: m.flag,
      sysFlag: m.sysFlag,
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      reconsumeTimes: m.reconsumeTimes,
      preparedTransactionOffset: m.preparedTransactionOffset,
      body: m.body,
      properties: encodeProperties({ ...m.properties, [TIMER_DEQUEUE_MS]: String(Date.now()) }),
    });
    if (!isPutStored(res.status)) {
      throw new Error(`store refused timer message ${m.msgId}: ${res.status}`);
    }
  }

  /** Reads a delete marker's message and remembers the key it names. */
  async #rememberMarker(r: TimerRecord): Promise<void> {
    const buf = await this.#store.lookMessageByOffset(r.offsetPy);
    if (buf === null) return;
    const key = decodeRecord(buf, 0, { strict: false }).properties[TIMER_DEL_UNIQKEY];
    if (key !== undefined) this.#recalled.set(key, r.delayedTime);
  }

  /**
   * A recall takes effect at once, before its marker is in the timer log: the broker calls this
   * before it answers, so a message due before the marker is enqueued is still dropped.
   */
  rememberRecall(key: string, dueMs: number): void {
    this.#recalled.set(key, dueMs);
  }

  /** Undoes rememberRecall when the marker could not be stored. */
  forgetRecall(key: string): void {
    this.#recalled.delete(key);
  }

  /** Drops the keys of slots wholly delivered: a restart would not read those slots again. */
  #forgetOldRecalls(): void {
    if (this.#recalled.size === 0) return;
    const readTime = this.#readTime();
    for (const [key, due] of this.#recalled) if (this.#wheel.slotTime(due) < readTime) this.#recalled.delete(key);
  }

  /** Timer-log segments whose every record was due before the dequeue point are deleted. */
  async #deleteOldLog(readTimeMs: number): Promise<void> {
    // A record is due at most timerMaxDelaySec after it was appended, so a segment last
    // written that long before the read point holds only delivered records.
    const horizon = readTimeMs - this.#s.timerMaxDelaySec * 1000 - this.#wheel.precisionMs;
    let until = -1;
    for (const seg of await this.#tlog.segmentTimes()) {
      if (seg.mtimeMs >= horizon) break;
      until = seg.end;
    }
    if (until > 0) {
      const n = await this.#tlog.deleteBefore(until);
      if (n > 0) this.#log.info({ segments: n }, 'delivered timer-log segments deleted');
    }
  }
}

function parseCheckpoint(json: unknown): Checkpoint | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
  const enqueueOffset = n(o.enqueueOffset);
  const readTimeMs = n(o.readTimeMs);
  const logPos = n(o.logPos);
  const precisionMs = n(o.precisionMs);
  const slotsTotal = n(o.slotsTotal);
  if (enqueueOffset === undefined || readTimeMs === undefined || logPos === undefined || precisionMs === undefined || slotsTotal === undefined) return undefined;
  return { enqueueOffset, readTimeMs, logPos, precisionMs, slotsTotal };
}
