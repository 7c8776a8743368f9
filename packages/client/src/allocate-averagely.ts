// AllocateMessageQueueAveragely, exactly as RocketMQ computes it, so that Contrail consumers
// and Java or ali-ons consumers in one group agree on who owns which queue.
import { compareQueues, type MessageQueue } from './message-queue.js';

/**
 * The queues `clientId` owns among `consumerIds` (any order; sorted here, duplicates
 * dropped). Empty when the client is not in the list or there are more consumers than queues.
 */
export function allocateAveragely(
  clientId: string,
  queues: readonly MessageQueue[],
  consumerIds: readonly string[],
): MessageQueue[] {
  const cids = [...new Set(consumerIds)].sort();
  const mqs = [...queues].sort(compareQueues);
  const index = cids.indexOf(clientId);
  if (index < 0 || mqs.length === 0) return [];
  const n = mqs.length;
  const c = cids.length;
  const mod = n % c;
  const avg = n <= c ? 1 : mod > 0 && index < mod ? Math.floor(n / c) + 1 : Math.floor(n / c);
  const start = mod > 0 && index < mod ? index * avg : index * avg + mod;
  const range = Math.min(avg, n - start);
  const out: MessageQueue[] = [];
  for (let i = 0; i < range; i++) out.push(mqs[(start + i) % n] as MessageQueue);
  return out;
}
