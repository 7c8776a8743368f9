// AllocateMessageQueueAveragelyByCircle, as RocketMQ computes it: queue i goes to consumer
// i mod C (sorted queues, sorted consumer ids), so neighbouring queues land on different members.
import { compareQueues, type MessageQueue } from './message-queue.js';

export function allocateAveragelyByCircle(clientId: string, queues: readonly MessageQueue[], consumerIds: readonly string[]): MessageQueue[] {
  const cids = [...new Set(consumerIds)].sort();
  const mqs = [...queues].sort(compareQueues);
  const index = cids.indexOf(clientId);
  if (index < 0) return [];
  const out: MessageQueue[] = [];
  for (let i = index; i < mqs.length; i += cids.length) out.push(mqs[i] as MessageQueue);
  return out;
}
