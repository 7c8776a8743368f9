// Contrail through its own SDK: Producer (per-turn batching on), LitePullConsumer.
import { createTopic, topicRoute } from '@contrail/admin';
import { LitePullConsumer, Producer, type MessageQueue } from '@contrail/client';
import type { Done, Driver, Target } from './driver.js';

const QUEUES = 8;

export async function openContrail(target: Target, stream: string, fresh: boolean): Promise<Driver> {
  const namesrvAddr = `127.0.0.1:${target.namesrvPort ?? 9876}`;
  if (fresh) await createTopic(namesrvAddr, { topic: stream, readQueueNums: QUEUES, writeQueueNums: QUEUES });
  const producer = new Producer({ namesrvAddr, producerGroup: 'bench_producer', clientIP: '127.0.0.1' });
  await producer.start();
  const consumers: LitePullConsumer[] = [];

  const queues = async (): Promise<MessageQueue[]> => {
    const route = await topicRoute(namesrvAddr, stream);
    const out: MessageQueue[] = [];
    for (const q of route.queueDatas) for (let i = 0; i < q.readQueueNums; i++) out.push({ topic: stream, brokerName: q.brokerName, queueId: i });
    return out;
  };
  const consumer = (from: 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_LAST_OFFSET'): LitePullConsumer => {
    const c = new LitePullConsumer({
      namesrvAddr,
      clientIP: '127.0.0.1',
      consumerGroup: `bench_${process.pid}_${consumers.length}_${Date.now()}`,
      autoCommit: false,
      consumeFromWhere: from,
      pullBatchSize: 1000,
      pullThresholdForQueue: 4000,
    });
    consumers.push(c);
    return c;
  };

  return {
    send(body: Buffer, done: Done): void {
      producer.sendCallback({ topic: stream, body }, (err) => done(err));
    },
    async sendAndWait(body: Buffer): Promise<void> {
      await producer.send({ topic: stream, body });
    },
    async readerFromStart() {
      // The consumer and its queues before the clock; start() connects and begins pulling,
      // so it is part of the read.
      const c = consumer('CONSUME_FROM_FIRST_OFFSET');
      await c.assign(await queues());
      return async (n, onMessage) => {
        await c.start();
        let got = 0;
        let idle = 0;
        while (got < n && idle < 3) {
          const batch = await c.poll(1000);
          if (batch.length === 0) idle++;
          for (const m of batch) onMessage(m.body);
          got += batch.length;
        }
        return got;
      };
    },
    async subscribeNew(onMessage) {
      const c = consumer('CONSUME_FROM_LAST_OFFSET');
      const qs = await queues();
      await c.assign(qs);
      await c.start();
      await Promise.all(qs.map((q) => c.seekToEnd(q)));
      let running = true;
      const loop = (async () => {
        while (running) for (const m of await c.poll(200)) onMessage(m.body);
      })();
      return async () => {
        running = false;
        await loop.catch(() => undefined);
      };
    },
    async close() {
      for (const c of consumers) await c.shutdown().catch(() => undefined);
      await producer.shutdown();
    },
  };
}
