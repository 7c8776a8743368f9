// Concurrent consumption: a queue's messages go to the listener in batches, up to
// `concurrency` batches at once across all queues. A failed batch is sent back to the retry
// topic (clustering; delay level 3 + reconsumeTimes, the DLQ after maxReconsumeTimes) or
// dropped (broadcasting). A message whose send-back fails is consumed again here a second later.
import { asError } from './client-instance.js';
import { afterBatch, leaveBatch, originTopic, restoreTopic, type ConsumeHost } from './consume-host.js';
import { ABANDONED, type ListenerOutcome } from './consume-types.js';
import type { MessageExt } from './message-ext.js';
import type { ProcessQueue } from './process-queue.js';
import { TaskLimiter } from './task-limiter.js';

const LOCAL_RETRY_MS = 1000;

export class ConsumeConcurrently {
  readonly #host: ConsumeHost;
  readonly #limiter: TaskLimiter;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(host: ConsumeHost, concurrency: number) {
    this.#host = host;
    this.#limiter = new TaskLimiter(concurrency);
  }

  submit(pq: ProcessQueue, msgs: readonly MessageExt[]): void {
    for (let i = 0; i < msgs.length; i += this.#host.batchSize) {
      const batch = msgs.slice(i, i + this.#host.batchSize);
      this.#limiter.run(() => this.#consume(pq, batch));
    }
  }

  /** Forgets batches not started yet (they stay unconsumed) and waits for running ones. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#limiter.clear();
    await this.#limiter.idle();
  }

  async #consume(pq: ProcessQueue, batch: MessageExt[]): Promise<void> {
    const host = this.#host;
    if (pq.dropped || !host.running()) return;
    pq.inFlight++;
    try {
      let outcome: ListenerOutcome;
      let error: Error | undefined;
      try {
        outcome = await host.listener(
          batch.map((m) => restoreTopic(host.group, m)),
          { queue: pq.mq, orderly: false },
        );
      } catch (err) {
        outcome = 'RECONSUME_LATER';
        error = asError(err);
      }
      if (outcome === ABANDONED) return;
      const again: MessageExt[] = [];
      if (outcome !== 'CONSUME_SUCCESS') {
        host.client.emit({ type: 'consume-failed', queue: pq.mq, msgIds: batch.map((m) => m.msgId), ...(error === undefined ? {} : { error }) });
        if (host.clustering) {
          for (const m of batch) if (!(await this.#sendBack(pq, m))) again.push(m);
        } else {
          host.client.log.warn({ group: host.group, msgIds: batch.map((m) => m.msgId) }, 'broadcast consumption failed; messages dropped');
        }
      }
      afterBatch(host, pq, pq.remove(again.length === 0 ? batch : batch.filter((m) => !again.includes(m))));
      if (again.length > 0) this.#retryLater(pq, again);
    } finally {
      leaveBatch(pq);
    }
  }

  async #sendBack(pq: ProcessQueue, m: MessageExt): Promise<boolean> {
    const host = this.#host;
    try {
      await host.push.sendBack(m, originTopic(m), 0, host.maxReconsumeTimes);
      if (m.reconsumeTimes >= host.maxReconsumeTimes) {
        host.client.emit({ type: 'moved-to-dlq', queue: pq.mq, msgId: m.msgId, reconsumeTimes: m.reconsumeTimes });
      }
      return true;
    } catch (err) {
      host.client.log.warn({ err, msgId: m.msgId }, 'send back failed; consuming it again locally');
      host.client.emit({ type: 'send-back-error', queue: pq.mq, msgId: m.msgId, error: asError(err) });
      return false;
    }
  }

  #retryLater(pq: ProcessQueue, msgs: MessageExt[]): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      for (const m of msgs) m.reconsumeTimes++;
      this.submit(pq, msgs);
    }, LOCAL_RETRY_MS);
    t.unref();
    this.#timers.add(t);
  }
}
