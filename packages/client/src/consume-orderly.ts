// Orderly consumption: one batch of a queue at a time, in offset order, and (clustering) only
// while this client holds the queue's broker lock. A failed batch pauses the queue and is
// retried here; a message that fails maxReconsumeTimes times goes to %DLQ%<group> so the
// queue can move on.
import { asError } from './client-instance.js';
import { afterBatch, leaveBatch, originTopic, restoreTopic, type ConsumeHost } from './consume-host.js';
import { ABANDONED, type ListenerOutcome } from './consume-types.js';
import type { MessageExt } from './message-ext.js';
import type { ProcessQueue } from './process-queue.js';

type LoopEnd = 'empty' | 'blocked';

export class ConsumeOrderly {
  readonly #host: ConsumeHost;

  constructor(host: ConsumeHost) {
    this.#host = host;
  }

  /** Makes sure the queue's consume loop runs (it stops when the queue is empty or not locked). */
  submit(pq: ProcessQueue): void {
    if (pq.orderlyLoop !== undefined) return;
    let end: LoopEnd = 'blocked';
    pq.orderlyLoop = this.#loop(pq)
      .then((e) => {
        end = e;
      })
      .catch((err: unknown) => this.#host.client.log.error({ err, queue: pq.mq }, 'orderly consume loop failed'))
      .finally(() => {
        pq.orderlyLoop = undefined;
        // Messages may have arrived between the loop's last look and its end.
        if (end === 'empty' && pq.waiting > 0) this.submit(pq);
      });
  }

  async #loop(pq: ProcessQueue): Promise<LoopEnd> {
    const host = this.#host;
    while (host.running() && !pq.dropped) {
      if (host.clustering && (!pq.locked || pq.lockExpired())) return 'blocked';
      const batch = pq.take(host.batchSize);
      if (batch.length === 0) return 'empty';
      pq.inFlight++;
      try {
        if (!(await this.#consumeBatch(pq, batch))) {
          await pq.signal.sleep(host.suspendMs);
        }
      } finally {
        leaveBatch(pq);
      }
    }
    return 'blocked';
  }

  /** False when the batch (or part of it) must be consumed again after a pause. */
  async #consumeBatch(pq: ProcessQueue, batch: MessageExt[]): Promise<boolean> {
    const host = this.#host;
    let outcome: ListenerOutcome;
    let error: Error | undefined;
    try {
      outcome = await host.listener(
        batch.map((m) => restoreTopic(host.group, m)),
        { queue: pq.mq, orderly: true },
      );
    } catch (err) {
      outcome = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      error = asError(err);
    }
    if (outcome === ABANDONED) {
      pq.again(batch);
      return true;
    }
    if (outcome !== 'CONSUME_SUCCESS') {
      host.client.emit({ type: 'consume-failed', queue: pq.mq, msgIds: batch.map((m) => m.msgId), ...(error === undefined ? {} : { error }) });
      const back: MessageExt[] = [];
      for (const m of batch) {
        if (m.reconsumeTimes < host.maxReconsumeTimes || !(await this.#toDlq(pq, m))) back.push(m);
      }
      if (back.length > 0) {
        for (const m of back) m.reconsumeTimes++;
        pq.again(back);
        return false;
      }
    }
    afterBatch(host, pq, pq.commit());
    return true;
  }

  /** Gives up on a message: DLQ (clustering) or dropped (broadcasting). False if it must stay. */
  async #toDlq(pq: ProcessQueue, m: MessageExt): Promise<boolean> {
    const host = this.#host;
    if (!host.clustering) {
      host.client.log.warn({ msgId: m.msgId, reconsumeTimes: m.reconsumeTimes }, 'orderly broadcast consumption gave up on a message');
      return true;
    }
    try {
      await host.push.sendBack(m, originTopic(m), -1, host.maxReconsumeTimes);
      host.client.emit({ type: 'moved-to-dlq', queue: pq.mq, msgId: m.msgId, reconsumeTimes: m.reconsumeTimes });
      return true;
    } catch (err) {
      host.client.emit({ type: 'send-back-error', queue: pq.mq, msgId: m.msgId, error: asError(err) });
      return false;
    }
  }
}
