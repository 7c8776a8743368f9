// ali-ons, unchanged, against two NameServers and two brokers with different brokerNames:
// tags, keys, msgId equality between the send result and the consumed message, compressed
// bodies, server-side tag filtering, and a producer that falls over to the other broker when
// one stops.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Prop } from '@contrail/common';
import { eventually, failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';
import { aliCommon, closeAli, collectErrors, ons, readyAliProducer, type AliConsumer, type AliMessage, type AliProducer } from './ali-ons-harness.js';

failOnUnhandledRejection();

const FAST = { rebalanceInterval: 1000, persistConsumerOffsetInterval: 500, heartbeatBrokerInterval: 1000, pollNameServerInteval: 1000 };

let cluster: TestCluster;
let producer: AliProducer;
const producerErrors: Error[] = [];

before(async () => {
  cluster = await startCluster({ nameServers: 2, brokers: 2 });
  await cluster.createTopic('ALI_BASIC', { queues: 2 });
  producer = await readyAliProducer(
    cluster.namesrvAddr,
    { ...FAST, producerGroup: 'PID_ALI_BASIC', instanceName: 'ali-basic-producer', compressMsgBodyOverHowmuch: 10 },
    producerErrors,
  );
});

after(() => closeAli(producer, cluster));

function message(tag: string, body: string, key?: string): unknown {
  const m = new ons.Message('ALI_BASIC', tag, body) as { keys?: string[] };
  if (key !== undefined) m.keys = [key];
  return m;
}

test('ali-ons round trip: tags, keys, compressed bodies, equal msgIds, tag filtering on the broker', async () => {
  const sent = new Map<string, string>();
  const bodies = ['short', 'a body long enough to be compressed by the producer '.repeat(20)];
  for (let i = 0; i < 6; i++) {
    const body = `${i}:${bodies[i % 2] ?? ''}`;
    const r = await producer.send(message('TagA', body, `key-${i}`));
    assert.equal(r.sendStatus, 'SEND_OK');
    sent.set(r.msgId, body);
  }
  for (let i = 0; i < 3; i++) await producer.send(message('TagB', `filtered-${i}`));

  const received = new Map<string, AliMessage>();
  const consumer: AliConsumer = new ons.Consumer({
    ...aliCommon(cluster.namesrvAddr),
    ...FAST,
    consumerGroup: 'GID_ALI_BASIC',
    instanceName: 'ali-basic-consumer',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  const consumerErrors: Error[] = [];
  collectErrors(consumer, consumerErrors);
  consumer.subscribe('ALI_BASIC', 'TagA', async (msg: AliMessage) => {
    received.set(msg.msgId, msg);
  });
  try {
    await consumer.ready();
    await eventually(() => (received.size >= sent.size ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([...received.keys()].sort(), [...sent.keys()].sort(), 'consumed msgIds equal the send results');
    for (const [id, msg] of received) {
      assert.equal(msg.body.toString(), sent.get(id));
      assert.equal(msg.tags, 'TagA');
      assert.match(msg.properties[Prop.KEYS] ?? '', /^key-\d$/);
    }
    const brokers = new Set([...received.values()].map((m) => m.msgId.slice(8, 16)));
    assert.equal(brokers.size, 2, 'the topic is spread over both brokers');
    assert.deepEqual(consumerErrors.map((e) => e.message), []);
  } finally {
    await consumer.close();
  }
});

test('ali-ons producer falls over to the other broker when one stops', async () => {
  await cluster.stopBroker(0);
  const results: string[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await producer.send(message('TagA', `after-stop-${i}`));
    assert.equal(r.sendStatus, 'SEND_OK');
    results.push(r.msgId);
  }
  const port = cluster.brokers[1]?.port ?? -1;
  for (const id of results) assert.equal(parseInt(id.slice(8, 16), 16), port, 'every send went to the broker still running');
  await cluster.startBroker(0);
  producerErrors.length = 0;
});
