// Prometheus metrics (metricsExporterType=PROM): after real sends, pulls and offset commits
// through the SDK, GET /metrics carries RocketMQ 5's series with the right values; other
// paths, methods and non-HTTP input get clear answers and the endpoint keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Producer, PullConsumer } from '@contrail/client';
import { failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';

failOnUnhandledRejection();
let c: TestCluster;
let base: string;

before(async () => {
  c = await startCluster({ brokerConfig: { metricsExporterType: 'PROM', metricsLabel: 'region:test' } });
  const port = c.brokers[0]?.metricsPort ?? 0;
  assert.ok(port > 0, 'the metrics port is bound');
  base = `http://127.0.0.1:${port}`;
  await c.createTopic('METRICS', { queues: 2 });
});
after(() => c.shutdown());

/** The value of the series with exactly these labels (besides the constant ones). */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const constant = { cluster: 'TestCluster', node_type: 'broker', node_id: 'broker-a', region: 'test' };
  const want = { ...constant, ...labels };
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    const got = Object.fromEntries([...inner.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(got).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => got[k] === v)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

test('sends, pulls and commits show up as RocketMQ 5 series', async () => {
  const producer = new Producer({ namesrvAddr: c.namesrvAddr, producerGroup: 'PID_METRICS' });
  const consumer = new PullConsumer({ namesrvAddr: c.namesrvAddr, consumerGroup: 'GID_METRICS' });
  await producer.start();
  await consumer.start();
  const q0 = { topic: 'METRICS', brokerName: 'broker-a', queueId: 0 };
  try {
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'METRICS', body: `m${i}` }, { queue: q0 });
    await producer.sendBatch([0, 1, 2].map((i) => ({ topic: 'METRICS', body: `b${i}` })), { queue: q0 });
    await producer.send({ topic: 'METRICS', body: 'later', deliverTimeMs: Date.now() + 60_000 });
    const r = await consumer.pull(q0, '*', 0, 3);
    assert.equal(r.messages.length, 3);
    await consumer.updateConsumeOffset(q0, r.nextBeginOffset);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  const inNormal = { topic: 'METRICS', message_type: 'normal', is_system: 'false' };
  assert.equal(value(text, 'rocketmq_messages_in_total', inNormal), 8, 'five single sends and a batch of three');
  assert.equal(value(text, 'rocketmq_messages_in_total', { ...inNormal, message_type: 'delay' }), 1);
  assert.ok((value(text, 'rocketmq_throughput_in_total', inNormal) ?? 0) > 8 * 100, 'stored bytes, headers included');
  assert.equal(value(text, 'rocketmq_messages_out_total', { topic: 'METRICS', consumer_group: 'GID_METRICS', is_system: 'false' }), 3);
  assert.equal(value(text, 'rocketmq_consumer_lag_messages', { consumer_group: 'GID_METRICS', topic: 'METRICS', is_retry: 'false', is_system: 'false' }), 5);
  assert.equal(value(text, 'rocketmq_group_diff', { group: 'GID_METRICS', topic: 'METRICS', countOfOnlineConsumers: '0', msgModel: 'CLUSTERING' }), 5);
  assert.ok((value(text, 'rocketmq_topic_number', {}) ?? 0) >= 1);
  assert.ok((value(text, 'rocketmq_storage_size', { storage_type: 'local', storage_medium: 'disk' }) ?? 0) > 0);
  assert.match(text, /^process_cpu_user_seconds_total \d/m, "the process's own metrics");
});

test('other paths, methods and non-HTTP bytes get clear answers; the endpoint keeps serving', async () => {
  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /^NOT_FOUND: \/nope; the metrics are at \/metrics/);
  const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.match(await post.text(), /^METHOD_NOT_ALLOWED/);
  const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  const port = Number(new URL(base).port);
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('\x00\x01 not http at all\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
  assert.equal((await fetch(`${base}/metrics`)).status, 200);
});
