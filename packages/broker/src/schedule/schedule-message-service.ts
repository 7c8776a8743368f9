// Delivers delayed messages: level L waits in SCHEDULE_TOPIC_XXXX queue L-1 and is written
// to its REAL_TOPIC / REAL_QID as a new record once storeTimestamp + delay(L) has passed.
// How far each level has been delivered is kept in config/delayOffset.json.
import { Prop, SystemTopic, createLogger, decodeRecord, encodeProperties, type Logger } from '@contrail/common';
import type { JsonConfigFile } from '../persist/json-config-file.js';
import type { MessageStorePort } from '../store/message-store-port.js';

/** How often due levels are looked at (RocketMQ checks every 100 ms as well). */
const TICK_MS = 100;
const BATCH = 32;
const RETRY_AFTER_FAILURE_MS = 1000;

export class ScheduleMessageService {
  readonly #store: MessageStorePort;
  readonly #levels: readonly number[];
  readonly #file: JsonConfigFile;
  readonly #log: Logger;
  readonly #offsets = new Map<number, number>();
  /** Per level: not before this time (set when the head is not due yet, or after a failure). */
  readonly #notBefore = new Map<number, number>();
  readonly #running = new Map<number, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;

  constructor(store: MessageStorePort, levels: readonly number[], file: JsonConfigFile, logger: Logger = createLogger('schedule')) {
    this.#store = store;
    this.#levels = levels;
    this.#file = file;
    this.#log = logger;
  }

  async load(): Promise<void> {
    const json = await this.#file.read();
    const table = typeof json === 'object' && json !== null ? (json as { offsetTable?: unknown }).offsetTable : undefined;
    if (typeof table !== 'object' || table === null) return;
    for (const [level, offset] of Object.entries(table)) {
      if (/^\d+$/.test(level) && typeof offset === 'number' && offset >= 0) this.#offsets.set(Number(level), offset);
    }
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    // Deliveries under way finish first, so the offsets saved cover what they wrote.
    await Promise.all(this.#running.values());
    await this.flush(true);
  }

  /** Delivered-up-to offset per level. */
  offsetTable(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [level, offset] of this.#offsets) out[String(level)] = offset;
    return out;
  }

  async flush(force = false): Promise<void> {
    if (!this.#dirty && !force) return;
    this.#dirty = false;
    try {
      await this.#file.write({ offsetTable: this.offsetTable() });
    } catch (err) {
      this.#dirty = true;
      throw err;
    }
  }

  #tick(): void {
    const now = Date.now();
    for (let level = 1; level <= this.#levels.length; level++) {
      if (this.#running.has(level) || (this.#notBefore.get(level) ?? 0) > now) continue;
      const offset = this.#offsets.get(level) ?? 0;
      if (offset >= this.#store.getMaxOffsetInQueue(SystemTopic.SCHEDULE, level - 1)) continue;
      const run = this.#deliverLevel(level)
        .catch((err: unknown) => {
          this.#log.error({ err, level }, 'delivering delayed messages failed');
          this.#notBefore.set(level, Date.now() + RETRY_AFTER_FAILURE_MS);
        })
        .finally(() => this.#running.delete(level));
      this.#running.set(level, run);
    }
  }

  /** Delivers every due message of the level, batch after batch, until one is not due yet. */
  async #deliverLevel(level: number): Promise<void> {
    while (this.#timer !== undefined && (await this.#deliverBatch(level))) {
      // A full batch was due: there may be more right behind it.
    }
  }

  /** One batch; true when all of it was delivered and more may follow. */
  async #deliverBatch(level: number): Promise<boolean> {
    const delay = this.#levels[level - 1] ?? 1000;
    const queueId = level - 1;
    let offset = this.#offsets.get(level) ?? 0;
    const r = await this.#store.getMessage(SystemTopic.SCHEDULE, queueId, offset, BATCH);
    if (r.status !== 'FOUND') {
      // Offsets that fell out of retention (or were never there) are skipped.
      if (r.nextBeginOffset !== offset && (r.status === 'OFFSET_TOO_SMALL' || r.status === 'OFFSET_OVERFLOW_BADLY')) this.#setOffset(level, r.nextBeginOffset);
      return false;
    }
    for (const buf of r.buffers) {
      const msg = decodeRecord(buf, 0, { strict: false });
      const due = msg.storeTimestamp + delay;
      const now = Date.now();
      if (due > now) {
        this.#notBefore.set(level, due);
        return false;
      }
      const props = { ...msg.properties };
      const topic = props[Prop.REAL_TOPIC];
      const realQid = Number(props[Prop.REAL_QID]);
      delete props[Prop.DELAY];
      if (topic !== undefined && Number.isInteger(realQid) && realQid >= 0) {
        const result = await this.#store.putMessage({
          topic,
          queueId: realQid,
          flag: msg.flag,
          sysFlag: msg.sysFlag,
          bornTimestamp: msg.bornTimestamp,
          bornHost: msg.bornHost,
          reconsumeTimes: msg.reconsumeTimes,
          preparedTransactionOffset: msg.preparedTransactionOffset,
          body: msg.body,
          properties: encodeProperties(props),
        });
        if (result.status !== 'PUT_OK' && result.status !== 'FLUSH_DISK_TIMEOUT') {
          throw new Error(`store refused delayed message ${msg.msgId}: ${result.status}`);
        }
      } else {
        this.#log.warn({ msgId: msg.msgId }, 'delayed message without REAL_TOPIC/REAL_QID dropped');
      }
      offset = msg.queueOffset + 1;
      this.#setOffset(level, offset);
    }
    return r.buffers.length >= BATCH;
  }

  #setOffset(level: number, offset: number): void {
    this.#offsets.set(level, offset);
    this.#dirty = true;
  }
}
