// Push consumers against an in-process cluster: concurrent and iterator forms, retry to the
// DLQ with a short delay table, broadcasting with an instance restarted mid-stream, strict
// order across a consumer restart and a broker restart, and the subscription-consistency view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prop, dlqTopic } from '@contrail/common';
import { Producer, PullConsumer, PushConsumer, type MessageExt, type PushConsumerOptions } from '@contrail/client';
import { RemotingClient, RequestCode, createRequest } from '@contrail/remoting';
import { eventually, failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';
import { readTopic } from './read-topic.js';

failOnUnhandledRejection();

// 18 levels of 100 ms: retries come back fast.
const FAST_DELAYS = Array.from({ length: 18 }, () => '100ms').join(' ');
const FAST: Partial<PushConsumerOptions> = { rebalanceIntervalMs: 2000, persistConsumerOffsetIntervalMs: 500, suspendTimeoutMs: 2000 };

async function withCluster(fn: (c: TestCluster, producer: Producer) => Promise<void>, brokers = 1): Promise<void> {
  const cluster = await startCluster({ brokers, brokerConfig: { messageDelayLevel: FAST_DELAYS, channelExpiredTimeout: 3000 } });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: 'PID_PUSH_TEST' });
  try {
    await producer.start();
    await fn(cluster, producer);
  } finally {
    await producer.shutdown();
    await cluster.shutdown();
  }
}

async function sendNumbered(producer: Producer, topic: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await producer.send({ topic, body: String(i), keys: `k${i}` });
}

test('concurrent listener and for-await form each get every message once; offsets survive a restart', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('PUSH_BASIC', { queues: 4 });
    const seen: string[] = [];
    const c1 = new PushConsumer({
      ...FAST,
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: 'GID_PUSH_BASIC',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      listener: (msgs) => {
        for (const m of msgs) seen.push(m.body.toString());
        return 'CONSUME_SUCCESS';
      },
    });
    await c1.subscribe('PUSH_BASIC');
    await c1.start();
    await sendNumbered(producer, 'PUSH_BASIC', 0, 40);
    await eventually(() => (seen.length >= 40 ? true : undefined), 10_000);
    await c1.shutdown();
    assert.equal(new Set(seen).size, 40);

    // The iterator form, same group: it continues from the committed offsets.
    await sendNumbered(producer, 'PUSH_BASIC', 40, 60);
    const c2 = new PushConsumer({ ...FAST, namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_PUSH_BASIC' });
    await c2.subscribe('PUSH_BASIC');
    await c2.start();
    const got: string[] = [];
    for await (const m of c2) {
      got.push(m.body.toString());
      if (got.length === 20) break;
    }
    await c2.shutdown();
    assert.deepEqual(got.map(Number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 40 + i));
  });
});

test('a failing message is retried with growing reconsumeTimes and lands in the DLQ with its ID and topic', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('PUSH_RETRY', { queues: 2 });
    const attempts: { topic: string; reconsumeTimes: number }[] = [];
    const moved: string[] = [];
    const consumer = new PushConsumer({
      ...FAST,
      namesrvAddr: cluster.namesrvAddr,
      consumerGroup: 'GID_PUSH_RETRY',
      maxReconsumeTimes: 2,
      onEvent: (e) => {
        if (e.type === 'moved-to-dlq') moved.push(e.msgId);
      },
      listener: (msgs) => {
        for (const m of msgs) attempts.push({ topic: m.topic, reconsumeTimes: m.reconsumeTimes });
        return 'RECONSUME_LATER';
      },
    });
    await consumer.subscribe('PUSH_RETRY');
    await consumer.start();
    const sent = await producer.send({ topic: 'PUSH_RETRY', body: 'poison', keys: 'poison-1' });
    await eventually(() => (moved.length === 1 ? true : undefined), 15_000);
    await consumer.shutdown();
    assert.deepEqual(attempts, [0, 1, 2].map((n) => ({ topic: 'PUSH_RETRY', reconsumeTimes: n })));

    const reader = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_PUSH_RETRY_READER' });
    await reader.start();
    try {
      const dlq = await eventually(async () => {
        const msgs = await readTopic(reader, dlqTopic('GID_PUSH_RETRY'));
        return msgs.length > 0 ? msgs : undefined;
      }, 5000);
      assert.equal(dlq.length, 1);
      const m = dlq[0] as MessageExt;
      assert.equal(m.msgId, sent.msgId);
      assert.equal(m.properties[Prop.RETRY_TOPIC], 'PUSH_RETRY');
      assert.equal(m.body.toString(), 'poison');
      assert.equal(m.reconsumeTimes, 3);
    } finally {
      await reader.shutdown();
    }
  });
});

test('broadcasting: three instances each get every message; a restarted one resumes from its file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-bcast-'));
  try {
    await withCluster(async (cluster, producer) => {
      await cluster.createTopic('PUSH_BCAST', { queues: 3 });
      const seen = new Map<string, string[]>();
      const make = (name: string): PushConsumer => {
        const list = seen.get(name) ?? [];
        seen.set(name, list);
        return new PushConsumer({
          ...FAST,
          namesrvAddr: cluster.namesrvAddr,
          consumerGroup: 'GID_PUSH_BCAST',
          messageModel: 'BROADCASTING',
          consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
          instanceName: name,
          offsetStoreDir: dir,
          listener: (msgs) => {
            for (const m of msgs) list.push(m.body.toString());
            return 'CONSUME_SUCCESS';
          },
        });
      };
      const consumers = ['b1', 'b2', 'b3'].map(make);
      for (const c of consumers) {
        await c.subscribe('PUSH_BCAST');
        await c.start();
      }
      await sendNumbered(producer, 'PUSH_BCAST', 0, 30);
      await eventually(() => ([...seen.values()].every((l) => l.length >= 30) ? true : undefined), 10_000);
      await consumers[1]?.shutdown();
      await sendNumbered(producer, 'PUSH_BCAST', 30, 60);
      const again = make('b2');
      await again.subscribe('PUSH_BCAST');
      await again.start();
      await sendNumbered(producer, 'PUSH_BCAST', 60, 90);
      await eventually(() => ([...seen.values()].every((l) => new Set(l).size >= 90) ? true : undefined), 10_000);
      await Promise.all([consumers[0]?.shutdown(), consumers[2]?.shutdown(), again.shutdown()]);
      for (const [name, list] of seen) {
        assert.equal(new Set(list).size, 90, name);
        assert.equal(list.length, 90, `${name} got duplicates`);
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('strict order: a one-queue ordered topic is consumed in store order across consumer and broker restarts', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('PUSH_STRICT', { queues: 1, order: true });
    const order: number[] = [];
    const make = (): PushConsumer =>
      new PushConsumer({
        ...FAST,
        namesrvAddr: cluster.namesrvAddr,
        consumerGroup: 'GID_PUSH_STRICT',
        orderly: true,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        listener: async (msgs) => {
          for (const m of msgs) order.push(Number(m.body.toString()));
          // A failure now and then: the queue pauses and the same message comes again first.
          if (order.length % 17 === 0 && msgs[0]?.reconsumeTimes === 0) return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
          await new Promise((r) => setImmediate(r));
          return 'CONSUME_SUCCESS';
        },
      });
    let c = make();
    await c.subscribe('PUSH_STRICT');
    await c.start();
    await sendNumbered(producer, 'PUSH_STRICT', 0, 50);
    await eventually(() => (order.includes(49) ? true : undefined), 10_000);
    await c.shutdown();
    await sendNumbered(producer, 'PUSH_STRICT', 50, 100);
    c = make();
    await c.subscribe('PUSH_STRICT');
    await c.start();
    await eventually(() => (order.includes(99) ? true : undefined), 10_000);
    await cluster.restartBroker(0);
    await eventually(async () => {
      await producer.send({ topic: 'PUSH_STRICT', body: '100' });
      return true;
    }, 10_000);
    await sendNumbered(producer, 'PUSH_STRICT', 101, 150);
    await eventually(() => (order.includes(149) ? true : undefined), 20_000);
    await c.shutdown();
    // Failed attempts repeat the same number right away; otherwise the sequence is 0..149 in order.
    const firsts = order.filter((n, i) => i === 0 || order[i - 1] !== n);
    assert.deepEqual(firsts, Array.from({ length: 150 }, (_, i) => i));
  });
});

test('the broker reports members of one group that subscribe differently', async () => {
  await withCluster(async (cluster) => {
    await cluster.createTopic('PUSH_SUBS', { queues: 2 });
    const mk = async (tags: string): Promise<PushConsumer> => {
      const c = new PushConsumer({ ...FAST, namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_PUSH_SUBS', listener: () => 'CONSUME_SUCCESS' });
      await c.subscribe('PUSH_SUBS', tags);
      await c.start();
      return c;
    };
    const a = await mk('TagA');
    const b = await mk('TagA || TagB');
    const remoting = new RemotingClient();
    try {
      const broker = cluster.brokers[0];
      assert.ok(broker);
      const res = await remoting.invoke(broker.address, createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'GID_PUSH_SUBS' }), 3000);
      assert.equal(res.code, 0);
      const view = JSON.parse(res.body?.toString() ?? '{}') as { inconsistentSubscriptions: Record<string, string>; subscriptionsByClient: Record<string, unknown[]> };
      assert.deepEqual(Object.keys(view.subscriptionsByClient).sort(), [a.clientId, b.clientId].sort());
      assert.equal(view.inconsistentSubscriptions[a.clientId], 'PUSH_SUBS=TagA');
      assert.equal(view.inconsistentSubscriptions[b.clientId], 'PUSH_SUBS=TagA || TagB');
    } finally {
      await remoting.shutdown();
      await a.shutdown();
      await b.shutdown();
    }
  });
});
