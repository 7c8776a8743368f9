// What the consume services need from their push consumer.
import { Prop, retryTopic } from '@contrail/common';
import type { ClientInstance } from './client-instance.js';
import type { InternalListener } from './consume-types.js';
import { messageFields, type MessageExt } from './message-ext.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import type { PushRequests } from './push-requests.js';

export interface ConsumeHost {
  readonly group: string;
  readonly clustering: boolean;
  readonly listener: InternalListener;
  readonly offsets: OffsetStore;
  readonly push: PushRequests;
  readonly client: ClientInstance;
  readonly batchSize: number;
  readonly maxReconsumeTimes: number;
  /** Orderly: pause before a failed batch is retried. */
  readonly suspendMs: number;
  running(): boolean;
}

/** A redelivered message shows its original topic, as RocketMQ clients show it. */
export function restoreTopic(group: string, m: MessageExt): MessageExt {
  if (m.topic !== retryTopic(group)) return m;
  const origin = m.properties[Prop.RETRY_TOPIC];
  return origin !== undefined ? { ...messageFields(m), topic: origin } : m;
}

export function originTopic(m: MessageExt): string {
  return m.properties[Prop.RETRY_TOPIC] ?? m.topic;
}

/** The batch is finished: the consumed offset moves on unless the queue was handed back. */
export function afterBatch(host: ConsumeHost, pq: ProcessQueue, offset: number): void {
  if (offset >= 0 && !pq.released) host.offsets.update(pq.mq, offset, true);
}

export function leaveBatch(pq: ProcessQueue): void {
  pq.inFlight--;
  if (pq.inFlight === 0) pq.idle.wake();
}
