// AllocateMessageQueueConsistentHash: members sit on a hash ring (virtualNodes points each,
// keyed "clientId-i") and each queue goes to the first point at or after its own hash. A
// member joining or leaving moves only the queues next to its points. The hash is the first
// four bytes of MD5, big-endian, and a queue's key is RocketMQ's MessageQueue.toString(), so
// the split matches Java consumers using the same strategy.
import { createHash } from 'node:crypto';
import type { MessageQueue } from './message-queue.js';

function hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

export function allocateConsistentHash(
  clientId: string,
  queues: readonly MessageQueue[],
  consumerIds: readonly string[],
  virtualNodes = 10,
): MessageQueue[] {
  const cids = [...new Set(consumerIds)].sort();
  if (!cids.includes(clientId)) return [];
  const ring: { h: number; owner: string }[] = [];
  for (const cid of cids) for (let i = 0; i < virtualNodes; i++) ring.push({ h: hash(`${cid}-${i}`), owner: cid });
  ring.sort((a, b) => a.h - b.h || (a.owner < b.owner ? -1 : 1));
  const out: MessageQueue[] = [];
  for (const mq of queues) {
    const h = hash(`MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`);
    const node = ring.find((p) => p.h >= h) ?? ring[0];
    if (node?.owner === clientId) out.push(mq);
  }
  return out;
}
