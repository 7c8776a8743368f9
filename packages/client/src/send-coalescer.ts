// Sends to the same topic made within one event-loop turn leave in one SEND_BATCH_MESSAGE
// frame: one request, one ack, fanned back out to every send. A turn with a single send
// still goes out as a plain SEND_MESSAGE_V2. One setImmediate per turn, nothing per message.
import type { PreparedMessage } from './outgoing-message.js';
import type { SendResult } from './send-result.js';

export type SendDone = (error: Error | undefined, result: SendResult | undefined) => void;

export interface PendingSend {
  msg: PreparedMessage;
  done: SendDone;
}

export interface CoalescerLimits {
  /** Most messages in one frame. */
  maxMessages: number;
  /** Most body + property bytes in one frame. */
  maxBytes: number;
}

/** Sends one group (all the same topic); calls every `done` exactly once. */
export type GroupSender = (topic: string, group: PendingSend[]) => void;

export class SendCoalescer {
  #groups = new Map<string, PendingSend[]>();
  #scheduled = false;
  readonly #limits: CoalescerLimits;
  readonly #send: GroupSender;
  readonly #flush = (): void => this.flush();

  constructor(limits: CoalescerLimits, send: GroupSender) {
    this.#limits = limits;
    this.#send = send;
  }

  get pending(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.length;
    return n;
  }

  add(msg: PreparedMessage, done: SendDone): void {
    let group = this.#groups.get(msg.topic);
    if (group === undefined) {
      group = [];
      this.#groups.set(msg.topic, group);
    }
    group.push({ msg, done });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate rather than a microtask: sends made after awaits in the same turn join in.
      setImmediate(this.#flush);
    }
  }

  /** Sends everything collected so far. */
  flush(): void {
    this.#scheduled = false;
    const groups = this.#groups;
    this.#groups = new Map();
    for (const [topic, sends] of groups) {
      for (const chunk of this.#chunks(sends)) this.#send(topic, chunk);
    }
  }

  *#chunks(sends: PendingSend[]): Generator<PendingSend[]> {
    let chunk: PendingSend[] = [];
    let bytes = 0;
    for (const s of sends) {
      const size = 22 + s.msg.body.length + s.msg.propertiesText.length * 3;
      if (chunk.length > 0 && (chunk.length >= this.#limits.maxMessages || bytes + size > this.#limits.maxBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(s);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }
}
