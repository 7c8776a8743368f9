// How a consumer group splits a topic's queues among its members. Every member runs the same
// strategy over the same sorted inputs, so they agree without talking to each other.
import { allocateAveragely } from './allocate-averagely.js';
import { allocateAveragelyByCircle } from './allocate-averagely-by-circle.js';
import { allocateConsistentHash } from './allocate-consistent-hash.js';
import type { MessageQueue } from './message-queue.js';

export type AllocateStrategy = (clientId: string, queues: readonly MessageQueue[], consumerIds: readonly string[]) => MessageQueue[];

export type AllocateStrategyName = 'averagely' | 'averagely-by-circle' | 'consistent-hash';

export function allocateStrategy(s: AllocateStrategyName | AllocateStrategy | undefined): AllocateStrategy {
  if (typeof s === 'function') return s;
  switch (s ?? 'averagely') {
    case 'averagely':
      return allocateAveragely;
    case 'averagely-by-circle':
      return allocateAveragelyByCircle;
    case 'consistent-hash':
      return (clientId, queues, cids) => allocateConsistentHash(clientId, queues, cids);
  }
}
