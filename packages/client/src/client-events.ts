// Status events a client reports while it runs: a discriminated union, so a listener can
// switch on `type`. Background failures arrive here (and in the log) instead of as rejections.
import type { MessageQueue } from './message-queue.js';

export type ClientEvent =
  | { type: 'route-updated'; topic: string }
  | { type: 'route-error'; topic: string; error: Error }
  | { type: 'heartbeat-error'; brokerAddr: string; error: Error }
  | { type: 'rebalanced'; topic: string; queues: MessageQueue[] }
  | { type: 'rebalance-error'; topic: string; error: Error }
  | { type: 'pull-error'; queue: MessageQueue; error: Error }
  | { type: 'commit-error'; queue: MessageQueue; error: Error }
  | { type: 'offset-moved'; queue: MessageQueue; from: number; to: number }
  | { type: 'consume-failed'; queue: MessageQueue; msgIds: string[]; error?: Error }
  | { type: 'send-back-error'; queue: MessageQueue; msgId: string; error: Error }
  | { type: 'moved-to-dlq'; queue: MessageQueue; msgId: string; reconsumeTimes: number }
  | { type: 'lock-error'; queue: MessageQueue; error: Error }
  | { type: 'lock-lost'; queue: MessageQueue }
  | { type: 'flow-control'; queue: MessageQueue; count: number; sizeBytes: number }
  | { type: 'queue-dropped'; queue: MessageQueue };

export type ClientEventListener = (event: ClientEvent) => void;
