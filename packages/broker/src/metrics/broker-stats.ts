// Running totals of what went in and out of the broker, by topic (and consumer group), kept
// as plain numbers on the hot path and read by the metrics exporter when it is scraped.
import { isRetryOrDlqTopic } from '@contrail/common';

export type MessageType = 'normal' | 'fifo' | 'delay' | 'transaction';

export interface InTotals {
  topic: string;
  messageType: MessageType;
  messages: number;
  bytes: number;
}

export interface OutTotals {
  topic: string;
  group: string;
  messages: number;
  bytes: number;
}

export class BrokerStats {
  readonly #in = new Map<string, InTotals>();
  readonly #out = new Map<string, OutTotals>();
  #lastIn: InTotals | undefined;

  /** Messages stored by a send (not counted for %RETRY% and %DLQ% topics, as RocketMQ). */
  recordIn(topic: string, messageType: MessageType, messages: number, bytes: number): void {
    // Sends mostly repeat the last topic: its totals are at hand without building the key.
    let t = this.#lastIn;
    if (t === undefined || t.topic !== topic || t.messageType !== messageType) {
      if (isRetryOrDlqTopic(topic)) return;
      const key = `${topic}\u0001${messageType}`;
      t = this.#in.get(key);
      if (t === undefined) {
        t = { topic, messageType, messages: 0, bytes: 0 };
        this.#in.set(key, t);
      }
      this.#lastIn = t;
    }
    t.messages += messages;
    t.bytes += bytes;
  }

  /** Messages handed to a consumer group (pull or POP). */
  recordOut(topic: string, group: string, messages: number, bytes: number): void {
    if (messages === 0) return;
    const key = `${topic}\u0001${group}`;
    const t = this.#out.get(key);
    if (t === undefined) this.#out.set(key, { topic, group, messages, bytes });
    else {
      t.messages += messages;
      t.bytes += bytes;
    }
  }

  messagesIn(): IterableIterator<InTotals> {
    return this.#in.values();
  }

  messagesOut(): IterableIterator<OutTotals> {
    return this.#out.values();
  }
}
