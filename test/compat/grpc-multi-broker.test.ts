// rocketmq-client-nodejs 1.0.8 against a cluster of two brokers, with one broker's gRPC door
// as its access point: its routes and assignments name both brokers' doors, so its sends are
// spread over both and it receives what is stored on either, including a topic that only the
// other broker holds. Recalls go to the access point too, which passes one for a message
// held by the other broker on to it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer as SdkProducer } from '@contrail/client';
import { RequestCode, RemotingClient, ResponseCode, createRequest } from '@contrail/remoting';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { ConsumeResult, Producer, PushConsumer, SimpleConsumer, quietLogger, startGrpcCluster, type GrpcCluster, type MessageView } from './grpc-harness.js';

failOnUnhandledRejection();
let c: GrpcCluster;

before(async () => {
  c = await startGrpcCluster({ brokers: 2 });
  await c.cluster.createTopic('GRPC_MB_SPREAD', { queues: 4 });
  await c.cluster.createTopic('GRPC_MB_BOTH', { queues: 2 });
  await c.cluster.createTopic('GRPC_MB_PUSH', { queues: 2 });
  await c.cluster.createTopic('GRPC_MB_RECALL', { queues: 2 });
  // Held by broker-b only; the client's access point is broker-a.
  await c.cluster.createTopic('GRPC_MB_FAR', { queues: 2, brokers: [1] });
});
after(async () => {
  await c.shutdown();
  // The 1.0.8 PushConsumer leaves a handle open after shutdown(): end this file's process
  // once the cluster is stopped and the results are out.
  setTimeout(() => process.exit(), 1000).unref();
});

function stored(brokerIndex: number, topic: string, queues: number): number {
  const store = c.cluster.brokers[brokerIndex]?.store;
  assert.ok(store);
  let n = 0;
  for (let q = 0; q < queues; q++) n += store.getMaxOffsetInQueue(topic, q);
  return n;
}

/** Sends each body over remoting to the named broker's queue 0. */
async function sendOverRemoting(topic: string, sends: { brokerName: string; body: string }[]): Promise<void> {
  const producer = new SdkProducer({ namesrvAddr: c.cluster.namesrvAddr, producerGroup: 'PG_MB' });
  await producer.start();
  try {
    for (const s of sends) await producer.send({ topic, body: Buffer.from(s.body) }, { queue: { topic, brokerName: s.brokerName, queueId: 0 } });
  } finally {
    await producer.shutdown();
  }
}

async function receiveAll(sc: InstanceType<typeof SimpleConsumer>, n: number): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const deadline = Date.now() + 15_000;
  while (got.length < n && Date.now() < deadline) {
    for (const m of await sc.receive(n - got.length, 10_000)) {
      got.push(m);
      await sc.ack(m);
    }
  }
  return got;
}

test("GET_BROKER_CONFIG answers with the broker's settings and the ports it listens on", async () => {
  const broker = c.cluster.brokers[1];
  assert.ok(broker);
  const client = new RemotingClient();
  try {
    const res = await client.invoke(`127.0.0.1:${broker.port}`, createRequest(RequestCode.GET_BROKER_CONFIG), 3000);
    assert.equal(res.code, ResponseCode.SUCCESS);
    const lines = new Map(
      (res.body ?? Buffer.alloc(0))
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    assert.equal(lines.get('brokerName'), 'broker-b');
    assert.equal(lines.get('listenPort'), String(broker.port));
    assert.equal(lines.get('grpcListenPort'), String(broker.grpcPort));
    assert.equal(lines.get('namesrvAddr'), c.cluster.namesrvAddr);
  } finally {
    await client.shutdown();
  }
});

test('a producer whose access point is one broker spreads its sends over both brokers', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: ['GRPC_MB_SPREAD'], logger: quietLogger });
  await producer.startup();
  const brokers = new Set<string>();
  try {
    for (let i = 0; i < 24; i++) {
      const r = await producer.send({ topic: 'GRPC_MB_SPREAD', body: Buffer.from(`s${i}`) });
      brokers.add(r.messageQueue.broker.name);
    }
  } finally {
    await producer.shutdown();
  }
  assert.deepEqual([...brokers].sort(), ['broker-a', 'broker-b']);
  const a = stored(0, 'GRPC_MB_SPREAD', 4);
  const b = stored(1, 'GRPC_MB_SPREAD', 4);
  assert.equal(a + b, 24);
  assert.ok(a > 0 && b > 0, `broker-a ${a}, broker-b ${b}`);
});

test('a simple consumer receives what either broker stored, and a topic only the other broker holds', async () => {
  await sendOverRemoting('GRPC_MB_BOTH', [
    { brokerName: 'broker-a', body: 'a1' },
    { brokerName: 'broker-b', body: 'b1' },
    { brokerName: 'broker-a', body: 'a2' },
    { brokerName: 'broker-b', body: 'b2' },
  ]);
  await sendOverRemoting('GRPC_MB_FAR', [
    { brokerName: 'broker-b', body: 'far1' },
    { brokerName: 'broker-b', body: 'far2' },
  ]);
  for (const [topic, want] of [
    ['GRPC_MB_BOTH', ['a1', 'a2', 'b1', 'b2']],
    ['GRPC_MB_FAR', ['far1', 'far2']],
  ] as const) {
    const sc = new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: `GID_${topic}`, subscriptions: new Map([[topic, '*']]), awaitDuration: 1000, logger: quietLogger });
    await sc.startup();
    try {
      const got = await receiveAll(sc, want.length);
      assert.deepEqual(got.map((m) => m.body.toString()).sort(), want);
    } finally {
      await sc.shutdown();
    }
  }
});

test("a push consumer's assignments cover both brokers", async () => {
  const seen = new Set<string>();
  const consumer = new PushConsumer({
    endpoints: c.endpoints,
    namespace: '',
    consumerGroup: 'GID_MB_PUSH',
    subscriptions: new Map([['GRPC_MB_PUSH', '*']]),
    logger: quietLogger,
    messageListener: {
      consume(view: MessageView) {
        seen.add(view.body.toString());
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await consumer.startup();
  try {
    await sendOverRemoting('GRPC_MB_PUSH', [
      { brokerName: 'broker-a', body: 'pa' },
      { brokerName: 'broker-b', body: 'pb' },
    ]);
    await eventually(() => (seen.size >= 2 ? true : undefined), 20_000);
    assert.deepEqual([...seen].sort(), ['pa', 'pb']);
  } finally {
    await consumer.shutdown();
  }
});

test('delay messages recalled through one access point are not delivered, on either broker', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: ['GRPC_MB_RECALL'], logger: quietLogger });
  await producer.startup();
  const sc = new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: 'GID_MB_RECALL', subscriptions: new Map([['GRPC_MB_RECALL', '*']]), awaitDuration: 1000, logger: quietLogger });
  await sc.startup();
  try {
    const sentAt = Date.now();
    const receipts: { body: string; r: Awaited<ReturnType<InstanceType<typeof Producer>['send']>> }[] = [];
    for (let i = 0; i < 8; i++) receipts.push({ body: `d${i}`, r: await producer.send({ topic: 'GRPC_MB_RECALL', delay: 2500, body: Buffer.from(`d${i}`) }) });
    // Recall the first message that landed on each broker.
    const recalled = new Set<string>();
    for (const name of ['broker-a', 'broker-b']) {
      const one = receipts.find((x) => x.r.messageQueue.broker.name === name);
      assert.ok(one, `a delay message landed on ${name}`);
      const receipt = await producer.recallMessage('GRPC_MB_RECALL', one.r.recallHandle);
      assert.equal(receipt.messageId, one.r.messageId);
      recalled.add(one.body);
    }
    const want = receipts.map((x) => x.body).filter((b) => !recalled.has(b));
    const got = await receiveAll(sc, want.length);
    assert.ok(Date.now() >= sentAt + 2500, 'not before the delay');
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), want.sort());
    // Nothing more comes: the recalled two stay undelivered.
    assert.deepEqual(await sc.receive(8, 10_000), []);
    // Too late now: the broker refuses, and the client says so.
    const late = receipts.find((x) => !recalled.has(x.body));
    assert.ok(late);
    await assert.rejects(producer.recallMessage('GRPC_MB_RECALL', late.r.recallHandle), /Failed to recall message/);
  } finally {
    await sc.shutdown();
    await producer.shutdown();
  }
});

test('an unknown topic is still TOPIC_NOT_FOUND when the NameServers are asked too', async () => {
  const producer = new Producer({ endpoints: c.endpoints, namespace: '', logger: quietLogger });
  await producer.startup();
  try {
    await assert.rejects(producer.send({ topic: 'GRPC_MB_NOWHERE', body: Buffer.from('x') }), (err: Error & { code?: number }) => {
      assert.equal(err.code, 40402, String(err));
      return true;
    });
  } finally {
    await producer.shutdown();
  }
});
