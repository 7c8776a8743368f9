// ali-ons push consumers against Contrail: clustering across two instances, broadcasting with
// each consumeFromWhere, several retries through CONSUMER_SEND_MSG_BACK, and the DLQ after
// maxReconsumeTimes (short delay levels keep the retries fast).
// ali-ons (3.12) takes ACTION_RETRY only on a message's first delivery: it hands %RETRY%
// messages to the handler through a wrapper that drops the return value, so a redelivered
// message is retried only when the handler throws. The handlers below ask for the first retry
// with ACTION_RETRY and throw for the later ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Prop, dlqTopic } from '@contrail/common';
import { PullConsumer } from '@contrail/client';
import { eventually, failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';
import { readTopic } from '../integration/read-topic.js';
import { aliCommon, closeAli, collectErrors, ons, readyAliProducer, type AliConsumer, type AliMessage, type AliProducer } from './ali-ons-harness.js';

failOnUnhandledRejection();

const FAST_DELAYS = Array.from({ length: 18 }, () => '100ms').join(' ');
// ali-ons learns the %RETRY% route only on its NameServer poll: poll often. Its periodic tasks
// sleep a whole interval before they notice a close, so short intervals also let the file exit
// promptly (the producers get them too).
const FAST = { rebalanceInterval: 1000, persistConsumerOffsetInterval: 500, heartbeatBrokerInterval: 1000, pollNameServerInteval: 1000 };

// ali-ons keeps one process-wide inner producer bound to the first NameServer it saw, so the
// whole file shares one cluster and closes that producer at the end.
let cluster: TestCluster;
let producer: AliProducer;
const producerErrors: Error[] = [];

before(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { messageDelayLevel: FAST_DELAYS } });
  producer = await readyAliProducer(cluster.namesrvAddr, { ...FAST, producerGroup: 'PID_ALI_CONSUMERS', instanceName: 'ali-producer' }, producerErrors);
});

after(() => closeAli(producer, cluster));

async function withCluster(fn: (c: TestCluster, producer: AliProducer) => Promise<void>): Promise<void> {
  await fn(cluster, producer);
  assert.deepEqual(producerErrors.map((e) => e.message), []);
}

async function send(producer: AliProducer, topic: string, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await producer.send(new ons.Message(topic, 'TagA', `${prefix}-${i}`))).msgId);
  return ids;
}

test('ali-ons clustering: two instances share the queues and together get every message once', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('ALI_CLUSTER', { queues: 4 });
    const got = new Map<string, string[]>();
    const consumers: AliConsumer[] = [];
    for (const name of ['ali-c1', 'ali-c2']) {
      const list: string[] = [];
      got.set(name, list);
      const c = new ons.Consumer({ ...aliCommon(cluster.namesrvAddr), ...FAST, consumerGroup: 'GID_ALI_CLUSTER', instanceName: name, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      c.subscribe('ALI_CLUSTER', '*', async (msg: AliMessage) => {
        list.push(msg.body.toString());
      });
      await c.ready();
      consumers.push(c);
    }
    try {
      // Both members known to the broker and rebalanced before the messages go out.
      await new Promise((r) => setTimeout(r, 2500));
      await send(producer, 'ALI_CLUSTER', 40, 'm');
      const all = (): string[] => [...got.values()].flat();
      await eventually(() => (new Set(all()).size === 40 ? true : undefined), 15_000);
      assert.equal(all().length, 40, 'no duplicates without failures');
      for (const [name, list] of got) assert.ok(list.length > 0, `${name} got a share`);
    } finally {
      for (const c of consumers) await c.close();
    }
  });
});

test('ali-ons broadcasting: every instance gets every message, per consumeFromWhere', async () => {
  await withCluster(async (cluster, producer) => {
    const cases = [
      { where: 'CONSUME_FROM_FIRST_OFFSET', topic: 'ALI_BC_FIRST', expectBefore: true },
      { where: 'CONSUME_FROM_LAST_OFFSET', topic: 'ALI_BC_LAST', expectBefore: false },
      { where: 'CONSUME_FROM_TIMESTAMP', topic: 'ALI_BC_TS', expectBefore: true },
    ];
    for (const k of cases) {
      await cluster.createTopic(k.topic, { queues: 2 });
      await send(producer, k.topic, 6, 'before');
      const got = new Map<string, string[]>();
      const consumers: AliConsumer[] = [];
      for (const name of [`${k.topic}-1`, `${k.topic}-2`]) {
        const list: string[] = [];
        got.set(name, list);
        const c = new ons.Consumer({
          ...aliCommon(cluster.namesrvAddr),
          ...FAST,
          consumerGroup: `GID_${k.topic}`,
          instanceName: name,
          isBroadcast: true,
          consumeFromWhere: k.where,
          // ali-ons takes "yyyyMMddHHmmss" local time; a minute back covers the "before" messages.
          consumeTimestamp: humanTime(Date.now() - 60_000),
        });
        c.subscribe(k.topic, '*', async (msg: AliMessage) => {
          list.push(msg.body.toString());
        });
        await c.ready();
        consumers.push(c);
      }
      try {
        await new Promise((r) => setTimeout(r, 1500));
        await send(producer, k.topic, 6, 'after');
        const want = [...(k.expectBefore ? Array.from({ length: 6 }, (_, i) => `before-${i}`) : []), ...Array.from({ length: 6 }, (_, i) => `after-${i}`)].sort();
        await eventually(() => ([...got.values()].every((l) => l.length >= want.length) ? true : undefined), 10_000).catch(() => undefined);
        for (const [name, list] of got) assert.deepEqual([...list].sort(), want, `${k.where} ${name}`);
      } finally {
        for (const c of consumers) await c.close();
      }
    }
  });
});

test('ali-ons retry: a failed message comes back through %RETRY% until it succeeds, with its topic and origin ID', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('ALI_RETRY', { queues: 2 });
    const seen: { topic: string; reconsumeTimes: number; origin: string | undefined; retryTopic: string | undefined; body: string }[] = [];
    const c = new ons.Consumer({ ...aliCommon(cluster.namesrvAddr), ...FAST, consumerGroup: 'GID_ALI_RETRY', instanceName: 'ali-retry', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c.subscribe('ALI_RETRY', '*', async (msg: AliMessage) => {
      seen.push({ topic: msg.topic, reconsumeTimes: msg.reconsumeTimes, origin: msg.properties[Prop.ORIGIN_MESSAGE_ID], retryTopic: msg.properties[Prop.RETRY_TOPIC], body: msg.body.toString() });
      if (msg.reconsumeTimes === 0) return ons.Consumer.ACTION_RETRY;
      if (msg.reconsumeTimes < 2) throw new Error(`fail ${msg.reconsumeTimes}`);
      return undefined;
    });
    const consumerErrors: Error[] = [];
    collectErrors(c, consumerErrors);
    await c.ready();
    try {
      const [id] = await send(producer, 'ALI_RETRY', 1, 'retry-me');
      await eventually(() => (seen.length >= 3 ? true : undefined), 15_000).catch((err: unknown) => {
        throw new Error(`seen ${JSON.stringify(seen)}; errors ${consumerErrors.map((e) => e.message).join(' | ')}`, { cause: err });
      });
      // Nothing more after the success.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(
        seen.map((s) => [s.topic, s.reconsumeTimes, s.body]),
        [0, 1, 2].map((n) => ['ALI_RETRY', n, 'retry-me-0']),
      );
      for (const s of seen.slice(1)) {
        assert.equal(s.origin, id);
        assert.equal(s.retryTopic, 'ALI_RETRY');
      }
    } finally {
      await c.close();
    }
  });
});

test('ali-ons DLQ: after maxReconsumeTimes retries a failed message goes to %DLQ%<group> with its origin ID and topic', async () => {
  await withCluster(async (cluster, producer) => {
    await cluster.createTopic('ALI_DLQ', { queues: 2 });
    const attempts: number[] = [];
    const c = new ons.Consumer({ ...aliCommon(cluster.namesrvAddr), ...FAST, consumerGroup: 'GID_ALI_DLQ', instanceName: 'ali-dlq', maxReconsumeTimes: 2, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c.subscribe('ALI_DLQ', '*', async (msg: AliMessage) => {
      attempts.push(msg.reconsumeTimes);
      if (msg.reconsumeTimes === 0) return ons.Consumer.ACTION_RETRY;
      throw new Error(`poison ${msg.reconsumeTimes}`);
    });
    collectErrors(c, []);
    await c.ready();
    const reader = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_ALI_DLQ_READER' });
    await reader.start();
    try {
      const [id] = await send(producer, 'ALI_DLQ', 1, 'poison');
      const dlq = await eventually(async () => {
        const msgs = await readTopic(reader, dlqTopic('GID_ALI_DLQ'));
        return msgs.length > 0 ? msgs : undefined;
      }, 15_000, 200).catch((err: unknown) => {
        throw new Error(`attempts ${JSON.stringify(attempts)}`, { cause: err });
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(dlq.length, 1);
      assert.equal(dlq[0]?.properties[Prop.ORIGIN_MESSAGE_ID], id);
      assert.equal(dlq[0]?.properties[Prop.RETRY_TOPIC], 'ALI_DLQ');
      assert.equal(dlq[0]?.body.toString(), 'poison-0');
      assert.equal(dlq[0]?.reconsumeTimes, 3);
      assert.deepEqual(attempts, [0, 1, 2], 'the first delivery and two retries, then no more');
    } finally {
      await reader.shutdown();
      await c.close();
    }
  });
});

function humanTime(ms: number): string {
  const d = new Date(ms);
  const z = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${z(d.getMonth() + 1)}${z(d.getDate())}${z(d.getHours())}${z(d.getMinutes())}${z(d.getSeconds())}`;
}
