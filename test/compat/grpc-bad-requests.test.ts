// Bad requests on the gRPC door, sent with a bare @grpc/grpc-js client built from the broker's
// own .proto files: each is answered with gRPC status OK and the right Code in the response's
// Status, and after each one a rocketmq-client-nodejs producer and simple consumer on the same
// server still send and receive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Metadata, credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { failOnUnhandledRejection } from '@contrail/testkit';
import { Producer, SimpleConsumer, quietLogger, startGrpcCluster, type GrpcCluster } from './grpc-harness.js';

failOnUnhandledRejection();

const TOPIC = 'GRPC_BAD';
const GROUP = 'GID_GRPC_BAD';
const MAX_MESSAGE_SIZE = 1024;

interface PbStatus {
  code: string | number;
  message?: string;
}
type Unary = (req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res: unknown) => void) => void;
type Streaming = (req: unknown, md: Metadata, opts: { deadline: number }) => NodeJS.ReadableStream & { cancel(): void };

let c: GrpcCluster;
let raw: Client & Record<string, Unary | Streaming>;
let producer: InstanceType<typeof Producer>;
let consumer: InstanceType<typeof SimpleConsumer>;
let healthy = 0;

/** packages/broker/proto, from test/dist/compat. */
const PROTO_DIR = fileURLToPath(new URL('../../../packages/broker/proto', import.meta.url));

before(async () => {
  c = await startGrpcCluster({ brokerConfig: { maxMessageSize: MAX_MESSAGE_SIZE } });
  await c.cluster.createTopic(TOPIC, { queues: 2 });
  const def = loadSync('apache/rocketmq/v2/service.proto', { keepCase: true, includeDirs: [PROTO_DIR], longs: Number, enums: String, defaults: false, oneofs: true });
  const pkg = loadPackageDefinition(def) as unknown as { apache: { rocketmq: { v2: { MessagingService: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => typeof raw } } } };
  raw = new pkg.apache.rocketmq.v2.MessagingService(c.endpoints, credentials.createInsecure());
  producer = new Producer({ endpoints: c.endpoints, namespace: '', topics: [TOPIC], logger: quietLogger });
  await producer.startup();
  consumer = new SimpleConsumer({ endpoints: c.endpoints, namespace: '', consumerGroup: GROUP, subscriptions: new Map([[TOPIC, '*']]), awaitDuration: 2000, logger: quietLogger });
  await consumer.startup();
});

after(async () => {
  raw?.close();
  await consumer?.shutdown();
  await producer?.shutdown();
  await c?.shutdown();
});

function metadata(): Metadata {
  const md = new Metadata();
  md.set('x-mq-client-id', 'bad-requests-raw-client');
  md.set('x-mq-language', 'NODE_JS');
  md.set('x-mq-protocol-version', 'v2');
  return md;
}

/** One unary call; a gRPC-level failure rejects (the door must never produce one here). */
function unary<T>(method: string, req: unknown): Promise<T> {
  const fn = raw[method] as Unary;
  return new Promise((resolve, reject) => {
    fn.call(raw, req, metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err !== null ? reject(err) : resolve(res as T)));
  });
}

/** ReceiveMessage: every response of the stream, which must end with gRPC status OK. */
function receive(req: Record<string, unknown>): Promise<{ status?: PbStatus; message?: unknown }[]> {
  const fn = raw.ReceiveMessage as Streaming;
  return new Promise((resolve, reject) => {
    const out: { status?: PbStatus; message?: unknown }[] = [];
    const s = fn.call(raw, req, metadata(), { deadline: Date.now() + 5000 });
    s.on('data', (d: { status?: PbStatus; message?: unknown }) => out.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(out));
  });
}

function codeOf(st: PbStatus | undefined): string | number | undefined {
  return st?.code;
}

/** Proto-loader gives enum names; the door's codes are numbers on the wire. */
const CODE_NAMES: Record<number, string> = {
  40000: 'BAD_REQUEST',
  40002: 'ILLEGAL_TOPIC',
  40009: 'ILLEGAL_MESSAGE_ID',
  40010: 'ILLEGAL_FILTER_EXPRESSION',
  40011: 'ILLEGAL_INVISIBLE_TIME',
  40013: 'INVALID_RECEIPT_HANDLE',
  40402: 'TOPIC_NOT_FOUND',
  41301: 'MESSAGE_BODY_TOO_LARGE',
};

function assertCode(st: PbStatus | undefined, code: number, what: string): void {
  assert.ok(st !== undefined, `${what}: a status is answered`);
  assert.equal(codeOf(st), CODE_NAMES[code] ?? code, `${what}: ${JSON.stringify(st)}`);
}

let idSeq = 0;
function pbMessage(topic: string, body: Buffer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    topic: { name: topic, resource_namespace: '' },
    user_properties: {},
    system_properties: { message_id: `01BADREQ${String(++idSeq).padStart(8, '0')}`, body_encoding: 'IDENTITY', message_type: 'NORMAL', born_timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, born_host: 'localhost', ...extra },
    body,
  };
}

async function send(msg: Record<string, unknown>): Promise<{ status: PbStatus; entries: { status: PbStatus }[] }> {
  return unary('SendMessage', { messages: [msg] });
}

function receiveRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    group: { name: GROUP },
    message_queue: { topic: { name: TOPIC }, id: 0, permission: 'READ_WRITE' },
    filter_expression: { type: 'TAG', expression: '*' },
    batch_size: 1,
    invisible_duration: { seconds: 10, nanos: 0 },
    auto_renew: false,
    long_polling_timeout: { seconds: 0, nanos: 0 },
    ...overrides,
  };
}

/** Another client on the same server still sends and receives normally. */
async function assertStillServing(): Promise<void> {
  const body = `healthy ${++healthy}`;
  const receipt = await producer.send({ topic: TOPIC, body: Buffer.from(body) });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const views = await consumer.receive(4, 10_000);
    for (const v of views) await consumer.ack(v);
    if (views.some((v) => v.messageId === receipt.messageId)) {
      assert.equal(views.find((v) => v.messageId === receipt.messageId)?.body.toString(), body);
      return;
    }
  }
  assert.fail(`${body} was not received`);
}

test('SendMessage to an unknown topic: TOPIC_NOT_FOUND (40402)', async () => {
  const r = await send(pbMessage('GRPC_NO_SUCH_TOPIC', Buffer.from('x')));
  assertCode(r.status, 40402, 'unknown topic');
  assertCode(r.entries[0]?.status, 40402, 'unknown topic entry');
  await assertStillServing();
});

test('SendMessage with a body over maxMessageSize: MESSAGE_BODY_TOO_LARGE (41301)', async () => {
  const r = await send(pbMessage(TOPIC, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x61)));
  assertCode(r.status, 41301, 'oversize body');
  // Exactly at the limit is still accepted.
  const ok = await send(pbMessage(TOPIC, Buffer.alloc(MAX_MESSAGE_SIZE, 0x62)));
  assert.equal(codeOf(ok.status), 'OK', JSON.stringify(ok.status));
  await assertStillServing();
});

test('SendMessage with an empty or illegal topic name: ILLEGAL_TOPIC (40002)', async () => {
  for (const name of ['', 'bad topic!', 'a/b', 'x'.repeat(200)]) {
    const r = await send(pbMessage(name, Buffer.from('x')));
    assertCode(r.status, 40002, `topic ${JSON.stringify(name.slice(0, 20))}`);
  }
  await assertStillServing();
});

test('SendMessage without a message id: ILLEGAL_MESSAGE_ID (40009)', async () => {
  const r = await send(pbMessage(TOPIC, Buffer.from('x'), { message_id: '' }));
  assertCode(r.status, 40009, 'missing message id');
  await assertStillServing();
});

test('AckMessage with a missing or bad receipt handle: INVALID_RECEIPT_HANDLE (40013)', async () => {
  const cases: [string, { message_id?: string; receipt_handle?: string }][] = [
    ['no message id, no handle', {}],
    ['garbage handle', { message_id: '01BADREQ00000001', receipt_handle: 'not-a-receipt-handle' }],
    ['handle of another broker', { message_id: '01BADREQ00000001', receipt_handle: 'c1_0_0_1_broker-zz' }],
    ['handle of nothing pending', { message_id: '01BADREQ00000001', receipt_handle: `c1_1_999999_123456_${c.broker.config.brokerName}` }],
  ];
  for (const [what, entry] of cases) {
    const r = await unary<{ status: PbStatus; entries: { status: PbStatus }[] }>('AckMessage', { group: { name: GROUP }, topic: { name: TOPIC }, entries: [entry] });
    assertCode(r.status, 40013, what);
    assertCode(r.entries[0]?.status, 40013, `${what} (entry)`);
  }
  const cid = await unary<{ status: PbStatus }>('ChangeInvisibleDuration', { group: { name: GROUP }, topic: { name: TOPIC }, receipt_handle: 'not-a-receipt-handle', invisible_duration: { seconds: 5, nanos: 0 }, message_id: '' });
  assertCode(cid.status, 40013, 'ChangeInvisibleDuration with a garbage handle');
  await assertStillServing();
});

test('ReceiveMessage with a bad invisible duration: ILLEGAL_INVISIBLE_TIME (40011)', async () => {
  for (const d of [{ seconds: -5, nanos: 0 }, { seconds: 13 * 3600, nanos: 0 }]) {
    const out = await receive(receiveRequest({ invisible_duration: d }));
    assert.equal(out.length, 1, JSON.stringify(out));
    assertCode(out[0]?.status, 40011, `invisible_duration ${d.seconds}s`);
  }
  await assertStillServing();
});

test('ReceiveMessage with a bad filter expression: ILLEGAL_FILTER_EXPRESSION (40010)', async () => {
  for (const f of [{ type: 'TAG', expression: '||' }, { type: 'SQL', expression: 'a > 1' }]) {
    const out = await receive(receiveRequest({ filter_expression: f }));
    assert.equal(out.length, 1, JSON.stringify(out));
    assertCode(out[0]?.status, 40010, `${f.type} ${f.expression}`);
  }
  await assertStillServing();
});

test('RecallMessage with a malformed, forged or unroutable handle: BAD_REQUEST (40000)', async () => {
  const handle = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
  for (const recall_handle of ['', '%%%', handle('v2 x y 1 z'), handle(`v1 ${TOPIC} broker-a notanumber id`), handle(`v1 ${TOPIC} broker-a 1 id`), handle(`v1 ${TOPIC} broker-zz ${Date.now() + 60_000} id`)]) {
    const r = await unary<{ status: PbStatus }>('RecallMessage', { topic: { name: TOPIC }, recall_handle });
    assertCode(r.status, 40000, `recall handle ${JSON.stringify(recall_handle)}`);
  }
  await assertStillServing();
});
