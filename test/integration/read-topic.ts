// Reads every message of a topic from the beginning of each queue (tests).
import type { MessageExt, PullConsumer } from '@contrail/client';

export async function readTopic(consumer: PullConsumer, topic: string): Promise<MessageExt[]> {
  const out: MessageExt[] = [];
  for (const mq of await consumer.fetchSubscribeMessageQueues(topic)) {
    let offset = 0;
    for (;;) {
      const r = await consumer.pull(mq, '*', offset, 32);
      if (r.status !== 'FOUND') break;
      out.push(...r.messages);
      offset = r.nextBeginOffset;
    }
  }
  return out;
}
