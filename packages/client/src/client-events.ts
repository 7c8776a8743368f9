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
  | { type: 'offset-moved'; queue: MessageQueue; from: number; to: number };

export type ClientEventListener = (event: ClientEvent) => void;
