// The iterator form of a push consumer: the listener parks each message here until the
// application's `for await` loop takes it and asks for the next one, which marks it consumed.
// Messages never handed out when the consumer stops are given back unconsumed.
import { ABANDONED, type ListenerOutcome } from './consume-types.js';
import type { MessageExt } from './message-ext.js';
import { WakeSignal } from './wake-signal.js';

interface Item {
  msg: MessageExt;
  done: (outcome: ListenerOutcome) => void;
}

export class MessageHandoff {
  #items: Item[] = [];
  #current: Item | undefined;
  readonly #arrived = new WakeSignal();

  /** The listener side: resolves once every message was consumed (or given back). */
  async offer(msgs: readonly MessageExt[]): Promise<ListenerOutcome> {
    const outcomes = await Promise.all(
      msgs.map(
        (msg) =>
          new Promise<ListenerOutcome>((done) => {
            this.#items.push({ msg, done });
            this.#arrived.wake();
          }),
      ),
    );
    return outcomes.includes(ABANDONED) ? ABANDONED : 'CONSUME_SUCCESS';
  }

  /** The iterator side: the previous message is done; waits up to `ms` for the next. */
  async next(ms: number): Promise<MessageExt | undefined> {
    this.finishCurrent();
    if (this.#items.length === 0) await this.#arrived.sleep(ms, true);
    const item = this.#items.shift();
    this.#current = item;
    return item?.msg;
  }

  finishCurrent(): void {
    this.#current?.done('CONSUME_SUCCESS');
    this.#current = undefined;
  }

  /** Stopping: what was never handed out stays unconsumed. */
  abandonWaiting(): void {
    for (const item of this.#items.splice(0)) item.done(ABANDONED);
    this.#arrived.wake();
  }
}
