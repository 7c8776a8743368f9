// Sends to the same topic made within one event-loop turn leave in one SEND_BATCH_MESSAGE
// frame: one request, one ack, fanned back out to every send. A turn with a single send
// still goes out as a plain SEND_MESSAGE_V2. One setImmediate per turn, nothing per message.
// A group that reaches a frame's limits leaves at once rather than at the end of the turn, so
// the broker starts on it while the rest of the turn's sends are still being made (a turn
// that makes many sends then overlaps with the broker instead of alternating with it).
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

interface Group {
  topic: string;
  sends: PendingSend[];
  bytes: number;
}

/** What a message counts against CoalescerLimits.maxBytes (its batch item, roughly). */
function itemSize(s: PendingSend): number {
  return 22 + s.msg.body.length + s.msg.propertiesText.length * 3;
}

export class SendCoalescer {
  readonly #groups = new Map<string, Group>();
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
    for (const g of this.#groups.values()) n += g.sends.length;
    return n;
  }

  add(msg: PreparedMessage, done: SendDone): void {
    const send: PendingSend = { msg, done };
    const size = itemSize(send);
    const { maxMessages, maxBytes } = this.#limits;
    let group = this.#groups.get(msg.topic);
    if (group !== undefined && group.sends.length > 0 && group.bytes + size > maxBytes) {
      // This one would overflow the frame: what is collected leaves now.
      this.#groups.delete(msg.topic);
      this.#send(msg.topic, group.sends);
      group = undefined;
    }
    if (group === undefined) {
      group = { topic: msg.topic, sends: [], bytes: 0 };
      this.#groups.set(msg.topic, group);
    }
    group.sends.push(send);
    group.bytes += size;
    if (group.sends.length >= maxMessages || group.bytes >= maxBytes) {
      this.#groups.delete(msg.topic);
      this.#send(msg.topic, group.sends);
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate rather than a microtask: sends made after awaits in the same turn join in.
      setImmediate(this.#flush);
    }
  }

  /** Sends everything collected so far. */
  flush(): void {
    this.#scheduled = false;
    // One map for the producer's life (a new one per turn was a table allocated per turn).
    for (const g of this.#groups.values()) {
      this.#groups.delete(g.topic);
      this.#send(g.topic, g.sends);
    }
  }
}
