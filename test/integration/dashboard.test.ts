// The dashboard's HTTP API against two real brokers: cluster, topics (list, status, create,
// delete), consumer groups and their lag, message lookup by key, UNIQ_KEY and offset ID, test
// sends; and every kind of bad request, each answered with its documented code while the
// server keeps serving and nothing stored is lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Producer, PullConsumer } from '@contrail/client';
import { DashboardServer, MAX_BODY_BYTES } from '@contrail/dashboard';
import { failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';

failOnUnhandledRejection();
let c: TestCluster;
let dash: DashboardServer;
let base: string;

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(path: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const postJson = (path: string, body: unknown): Promise<Answer> =>
  call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Writes `text` to the dashboard's port as it is and reads until the server closes. */
function rawExchange(text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const s = connect(dash.port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (b) => (got += b.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

function errorCode(a: Answer): unknown {
  return (a.json.error as { code?: unknown } | undefined)?.code;
}

before(async () => {
  c = await startCluster({ brokers: 2 });
  await c.createTopic('DASH', { queues: 2 });
  const producer = new Producer({ namesrvAddr: c.namesrvAddr, producerGroup: 'PID_DASH' });
  await producer.start();
  try {
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'DASH', body: `a${i}`, keys: `order-${i}` }, { queue: { topic: 'DASH', brokerName: 'broker-a', queueId: 0 } });
    await producer.send({ topic: 'DASH', body: Buffer.from([0xff, 0xfe, 0x00]), keys: 'binary' }, { queue: { topic: 'DASH', brokerName: 'broker-b', queueId: 1 } });
  } finally {
    await producer.shutdown();
  }
  // A group that consumed one message of broker-a queue 0 and committed it.
  const consumer = new PullConsumer({ namesrvAddr: c.namesrvAddr, consumerGroup: 'GID_DASH' });
  await consumer.start();
  try {
    const mq = { topic: 'DASH', brokerName: 'broker-a', queueId: 0 };
    await consumer.updateConsumeOffset(mq, 1);
  } finally {
    await consumer.shutdown();
  }
  dash = new DashboardServer({ namesrvAddr: c.namesrvAddr, port: 0 });
  await dash.start();
  base = `http://127.0.0.1:${dash.port}`;
});

after(async () => {
  await dash?.shutdown();
  await c?.shutdown();
});

test('the page and its script are served', async () => {
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /<script type="module" src="\/app.js">/);
  const js = await fetch(`${base}/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
});

test('cluster lists both brokers with their message counts', async () => {
  const a = await call('/api/cluster');
  assert.equal(a.status, 200);
  const brokers = a.json.brokers as { brokerName: string; answering: boolean; messagesIn: number; commitLogMaxOffset: number }[];
  assert.deepEqual(brokers.map((b) => b.brokerName), ['broker-a', 'broker-b']);
  assert.ok(brokers.every((b) => b.answering));
  assert.deepEqual(brokers.map((b) => b.messagesIn), [3, 1]);
  assert.ok(brokers.every((b) => b.commitLogMaxOffset > 0));
});

test('topics: list with kinds, status per queue', async () => {
  const list = await call('/api/topics');
  const topics = list.json.topics as { topic: string; kind: string }[];
  assert.deepEqual(topics.find((t) => t.topic === 'DASH'), { topic: 'DASH', kind: 'normal' });
  assert.equal(topics.find((t) => t.topic === 'TBW102')?.kind, 'system');
  const status = await call('/api/topics/DASH');
  assert.equal(status.status, 200);
  assert.equal(status.json.messages, 4);
  const queues = status.json.queues as { brokerName: string; queueId: number; maxOffset: number }[];
  assert.deepEqual(
    queues.map((q) => [q.brokerName, q.queueId, q.maxOffset]),
    [
      ['broker-a', 0, 3],
      ['broker-a', 1, 0],
      ['broker-b', 0, 0],
      ['broker-b', 1, 1],
    ],
  );
});

test('consumer groups: listed, with lag per queue from the committed offset', async () => {
  const listed = (await call('/api/groups')).json;
  const groups = listed.groups as { group: string; brokerNames: string[] }[];
  assert.ok(groups.some((g) => g.group === 'GID_DASH'), JSON.stringify(groups));
  assert.deepEqual(listed.notAnswering, []);
  const g = await call('/api/groups/GID_DASH?topic=DASH');
  assert.equal(g.status, 200);
  assert.equal(g.json.lag, 3);
  const q0 = (g.json.queues as { brokerName: string; queueId: number; consumerOffset: number; lag: number }[]).find((q) => q.brokerName === 'broker-a' && q.queueId === 0);
  assert.deepEqual([q0?.consumerOffset, q0?.lag], [1, 2]);
});

test('messages: by key, by UNIQ_KEY and by offset ID; binary bodies come back as base64', async () => {
  const byKey = await call('/api/messages?topic=DASH&key=order-1');
  assert.equal(byKey.status, 200);
  const found = byKey.json.messages as { body: string; msgId: string; offsetMsgId: string; keys: string[] }[];
  assert.equal(found.length, 1);
  assert.equal(found[0]?.body, 'a1');
  const byUniq = await call(`/api/messages?topic=DASH&msgId=${found[0]?.msgId}`);
  assert.equal((byUniq.json.messages as unknown[]).length, 1);
  const view = await call(`/api/messages/${found[0]?.offsetMsgId}`);
  assert.equal(view.status, 200);
  assert.equal((view.json.message as { body: string }).body, 'a1');
  const bin = (await call('/api/messages?topic=DASH&key=binary')).json.messages as { body: string; bodyEncoding: string }[];
  assert.deepEqual([bin[0]?.bodyEncoding, bin[0]?.body], ['base64', Buffer.from([0xff, 0xfe, 0x00]).toString('base64')]);
});

test('create a topic, send it a test message, read it back, delete the topic', async () => {
  const created = await postJson('/api/topics', { topic: 'DASH_NEW', readQueueNums: 2, writeQueueNums: 2 });
  assert.equal(created.status, 201);
  assert.equal((created.json.brokerAddrs as string[]).length, 2);
  let sent: Answer | undefined;
  // The NameServers learn the new route with the brokers' next registration.
  for (let i = 0; i < 100; i++) {
    sent = await postJson('/api/messages', { topic: 'DASH_NEW', body: 'hello', tags: 'T', keys: 'k-new' });
    if (sent.status === 201) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(sent?.status, 201, JSON.stringify(sent?.json));
  assert.equal(sent?.json.status, 'SEND_OK');
  const view = await call(`/api/messages/${String(sent?.json.offsetMsgId)}`);
  const m = view.json.message as { body: string; tags: string; keys: string[] };
  assert.deepEqual([m.body, m.tags, m.keys], ['hello', 'T', ['k-new']]);
  const del = await call('/api/topics/DASH_NEW', { method: 'DELETE' });
  assert.equal(del.status, 200);
  const gone = await call('/api/topics/DASH_NEW');
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone), 'TOPIC_NOT_EXIST');
});

test('bad requests get their documented codes; the server keeps serving and nothing stored is lost', async () => {
  const cases: [string, Promise<Answer>, number, string][] = [
    ['unknown API', call('/api/nothing'), 404, 'NOT_FOUND'],
    ['unknown page', call('/secret.txt'), 404, 'NOT_FOUND'],
    ['wrong method', call('/api/cluster', { method: 'PUT' }), 405, 'METHOD_NOT_ALLOWED'],
    ['not JSON', call('/api/topics', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"topic":' }), 400, 'BAD_REQUEST'],
    ['JSON not an object', postJson('/api/topics', [1, 2]), 400, 'BAD_REQUEST'],
    ['form post', call('/api/messages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"topic":"DASH","body":"x"}' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['bad topic name', postJson('/api/topics', { topic: 'bad topic!' }), 400, 'BAD_REQUEST'],
    ['system topic', postJson('/api/topics', { topic: 'TBW102' }), 400, 'BAD_REQUEST'],
    ['queue count', postJson('/api/topics', { topic: 'OK_NAME', readQueueNums: 0 }), 400, 'BAD_REQUEST'],
    ['missing body', postJson('/api/messages', { topic: 'DASH' }), 400, 'BAD_REQUEST'],
    ['body too large', postJson('/api/messages', { topic: 'DASH', body: 'x'.repeat(MAX_BODY_BYTES) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['unknown topic', call('/api/topics/NO_SUCH_TOPIC'), 404, 'TOPIC_NOT_EXIST'],
    ['bad percent-encoding', call('/api/topics/%E0%A4%A'), 400, 'BAD_REQUEST'],
    ['key and msgId both', call('/api/messages?topic=DASH&key=a&msgId=b'), 400, 'BAD_REQUEST'],
    ['not an offset id', call('/api/messages/xyz'), 400, 'BAD_REQUEST'],
    ['not a UNIQ_KEY', call('/api/messages?topic=DASH&msgId=zz'), 400, 'INVALID_PARAMETER'],
    ['group with nothing', call('/api/groups/GID_NOBODY'), 404, 'SUBSCRIPTION_GROUP_NOT_EXIST'],
  ];
  for (const [what, answer, status, code] of cases) {
    const a = await answer;
    assert.equal(a.status, status, `${what}: ${JSON.stringify(a.json)}`);
    assert.equal(errorCode(a), code, what);
    assert.equal(typeof (a.json.error as { message?: unknown }).message, 'string', what);
  }
  // A host name that is not this machine's (DNS rebinding) is refused on a loopback listener.
  const rebound = await rawExchange('GET /api/cluster HTTP/1.1\r\nHost: attacker.example:8080\r\nConnection: close\r\n\r\n');
  assert.match(rebound, /^HTTP\/1.1 400[^]*"code":"BAD_REQUEST"/);
  const wrong = await call('/api/cluster', { method: 'DELETE' });
  assert.equal(wrong.headers.get('allow'), 'GET');

  // Bytes that are not HTTP at all.
  const reply = await rawExchange('\u0000\u0001garbage\r\n\r\n');
  assert.match(reply, /^HTTP\/1.1 400/);
  // Request targets that are not a path: 400, not a server error.
  for (const target of ['http://[', 'http://dashboard/api/cluster', '*']) {
    const answer = await rawExchange(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1.1 400[^]*"code":"BAD_REQUEST"/, target);
  }
  // A path starting with // stays a path (no host is read from it).
  assert.match(await rawExchange('GET //api/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1.1 404[^]*"code":"NOT_FOUND"/);

  // Still serving, and the stored messages are all there.
  const status = await call('/api/topics/DASH');
  assert.equal(status.status, 200);
  assert.equal(status.json.messages, 4);
  const again = await call('/api/messages?topic=DASH&key=order-2');
  assert.equal((again.json.messages as { body: string }[])[0]?.body, 'a2');
});
