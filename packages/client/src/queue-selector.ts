// Queue selection for ordered sends: the application picks the queue, so messages with the
// same key land in one queue and are consumed in order.
import { javaStringHashCode } from '@contrail/common';
import type { Message } from '@contrail/common';
import type { MessageQueue } from './message-queue.js';

export type QueueSelector<A = unknown> = (queues: readonly MessageQueue[], msg: Message, arg: A) => MessageQueue;

/**
 * Picks by a stable hash of `key` over the queue list: the same key and the same queue list
 * always give the same queue (RocketMQ's SelectMessageQueueByHash for string arguments).
 */
export function queueForKey(queues: readonly MessageQueue[], key: string): MessageQueue {
  if (queues.length === 0) throw new RangeError('no queue to select from');
  const h = javaStringHashCode(key);
  // Math.abs(Integer.MIN_VALUE) stays negative in Java; |0 keeps ours in range either way.
  const index = Math.abs(h % queues.length);
  return queues[index] as MessageQueue;
}

/** A selector that hashes the send's `arg` (a sharding key). */
export const selectByHash: QueueSelector<string> = (queues, _msg, arg) => queueForKey(queues, arg);
