import { test, type TestContext } from 'node:test';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import assert from 'node:assert/strict';
import { ContrailError } from '@contrail/common';
import {
  RemotingClient,
  RemotingServer,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  encodeFrame,
  FrameDecoder,
  type RemotingConnection,
  type RemotingServerOptions,
} from '../src/index.js';
import { deferred, rawPeer, sleep, waitFor } from './server-helpers.js';

async function startServer(t: TestContext, options: RemotingServerOptions = {}): Promise<{ server: RemotingServer; addr: string; client: RemotingClient }> {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0, ...options });
  server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) =>
    createResponse(req, ResponseCode.SUCCESS, { topic: req.extFields.topic ?? '' }, Buffer.from('route')),
  );
  await server.start();
  const client = new RemotingClient({ sweepIntervalMs: 20 });
  t.after(async () => {
    await client.shutdown();
    await server.shutdown();
  });
  return { server, addr: `127.0.0.1:${server.port}`, client };
}

test('request and response over TCP, in the serialization of the request', async (t) => {
  const { addr, client } = await startServer(t);
  for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
    const res = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' }, undefined, type), 2000);
    assert.equal(res.code, ResponseCode.SUCCESS);
    assert.equal(res.flag & 1, 1);
    assert.equal(res.serializeType, type);
    assert.equal(res.extFields.topic, 'T');
    assert.equal(res.body?.toString(), 'route');
  }
});

test('an unknown code is answered with 3', async (t) => {
  const { addr, client } = await startServer(t);
  const res = await client.invoke(addr, createRequest(999), 2000);
  assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(res.remark, ' request type 999 not supported');
});

test('oneway requests get no response', async (t) => {
  const { server, addr } = await startServer(t);
  let calls = 0;
  server.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
    calls++;
    return createResponse(req, 0);
  });
  const peer = await rawPeer(server.port);
  t.after(() => peer.socket.destroy());
  const oneway = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET);
  oneway.flag = 2;
  oneway.opaque = 1;
  const unknownOneway = createRequest(999);
  unknownOneway.flag = 2;
  unknownOneway.opaque = 2;
  const normal = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'X' });
  normal.opaque = 3;
  peer.socket.write(Buffer.concat([encodeFrame(oneway), encodeFrame(unknownOneway), encodeFrame(normal)]));
  await waitFor(() => peer.received.length === 1);
  await sleep(50);
  assert.equal(peer.received.length, 1);
  assert.equal(peer.received[0]?.opaque, 3);
  assert.equal(calls, 1);
  assert.ok(addr);
});

test('beyond its concurrency limit a processor answers SYSTEM_BUSY', async (t) => {
  const { server, addr, client } = await startServer(t);
  const gate = deferred();
  server.registerProcessor(
    RequestCode.PULL_MESSAGE,
    async (req) => {
      await gate.promise;
      return createResponse(req, 0);
    },
    { concurrency: 2 },
  );
  const first = [client.invoke(addr, createRequest(11), 2000), client.invoke(addr, createRequest(11), 2000)];
  const busy = await client.invoke(addr, createRequest(11), 2000);
  assert.equal(busy.code, ResponseCode.SYSTEM_BUSY);
  assert.match(busy.remark ?? '', /^\[OVERLOAD\]system busy/);
  gate.resolve();
  for (const r of await Promise.all(first)) assert.equal(r.code, 0);
  assert.equal((await client.invoke(addr, createRequest(11), 2000)).code, 0);
});

test('processor failures map to SYSTEM_ERROR or to the ContrailError code', async (t) => {
  const { server, addr, client } = await startServer(t);
  server.registerProcessor(1001, () => {
    throw new Error('boom');
  });
  server.registerProcessor(1002, () => Promise.reject(new ContrailError('TOPIC_NOT_EXIST', 'no such topic')));
  const a = await client.invoke(addr, createRequest(1001), 2000);
  assert.equal(a.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(a.remark, 'boom');
  const b = await client.invoke(addr, createRequest(1002), 2000);
  assert.equal(b.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.equal(b.remark, 'no such topic');
});

test('afterResponse hooks run once the response is written', async (t) => {
  const { server, addr, client } = await startServer(t);
  const order: string[] = [];
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (req, ctx) => {
    ctx.afterResponse(() => order.push('hook'));
    order.push('processed');
    return createResponse(req, 0);
  });
  const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2), 2000);
  assert.equal(res.code, 0);
  await waitFor(() => order.length === 2);
  assert.deepEqual(order, ['processed', 'hook']);
});

test('an oversize frame closes only its connection', async (t) => {
  const { server, addr, client } = await startServer(t);
  const peer = await rawPeer(server.port);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(16 * 1024 * 1024, 0); // + 4 for the length field: one byte too many
  peer.socket.write(prefix);
  await peer.closed;
  const res = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' }), 2000);
  assert.equal(res.code, 0);
});

test('garbage closes only its connection', async (t) => {
  const { server, addr, client } = await startServer(t);
  await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC), 2000);
  const peer = await rawPeer(server.port);
  await waitFor(() => server.connections.size === 2);
  peer.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await peer.closed;
  await waitFor(() => server.connections.size === 1);
  const res = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC), 2000);
  assert.equal(res.code, 0);
});

test('the server can send requests to a client on its connection', async (t) => {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
  let serverSide: RemotingConnection | undefined;
  server.registerProcessor(RequestCode.HEART_BEAT, (req, ctx) => {
    serverSide = ctx.connection;
    return createResponse(req, 0);
  });
  await server.start();
  const client = new RemotingClient({
    onRequest: (req, conn) => {
      if (req.code === RequestCode.GET_CONSUMER_RUNNING_INFO) conn.send(createResponse(req, 0, { clientId: 'c1' }));
    },
  });
  t.after(async () => {
    await client.shutdown();
    await server.shutdown();
  });
  await client.invoke(`127.0.0.1:${server.port}`, createRequest(RequestCode.HEART_BEAT), 2000);
  assert.ok(serverSide);
  const res = await serverSide.request(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 2000);
  assert.equal(res.extFields.clientId, 'c1');
});

test('a request without an answer times out; closing fails the ones in flight', async (t) => {
  const { server, addr, client } = await startServer(t);
  server.registerProcessor(RequestCode.PULL_MESSAGE, () => new Promise(() => undefined));
  const started = Date.now();
  await assert.rejects(client.invoke(addr, createRequest(11), 150), (err: unknown) => {
    return err instanceof ContrailError && err.code === 'REQUEST_TIMEOUT';
  });
  assert.ok(Date.now() - started >= 150);
  const pending = client.invoke(addr, createRequest(11), 10_000);
  await sleep(20);
  for (const c of server.connections) c.destroy();
  await assert.rejects(pending, (err: unknown) => err instanceof ContrailError && err.code === 'CONNECTION_CLOSED');
  // The client dials again on the next request.
  const res = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC), 2000);
  assert.equal(res.code, 0);
});

test('idle connections are closed', async (t) => {
  const { server, addr, client } = await startServer(t, { idleTimeoutMs: 100 });
  const closed: string[] = [];
  server.onDisconnect((c) => closed.push(c.remoteAddress));
  const conn = await client.connection(addr);
  await conn.whenClosed();
  await waitFor(() => closed.length === 1);
});

test('shutdown stops accepting and closes connections', async () => {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
  server.registerProcessor(RequestCode.HEART_BEAT, (req) => createResponse(req, 0));
  await server.start();
  const addr = `127.0.0.1:${server.port}`;
  const client = new RemotingClient({ connectTimeoutMs: 500 });
  const conn = await client.connection(addr);
  await server.shutdown();
  await conn.whenClosed();
  await assert.rejects(client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 500), (err: unknown) => {
    return err instanceof ContrailError && err.code === 'CONNECT_FAILED';
  });
  await client.shutdown();
});

test('a peer that does not read its responses stops being read from', async (t) => {
  const { server } = await startServer(t);
  let calls = 0;
  const big = Buffer.alloc(4 * 1024 * 1024, 1);
  server.registerProcessor(RequestCode.PULL_MESSAGE, (req) => {
    calls++;
    return createResponse(req, 0, {}, big);
  });
  const peer = await rawPeer(server.port);
  t.after(() => peer.socket.destroy());
  peer.socket.pause();
  const total = 60;
  for (let i = 0; i < total; i++) {
    const req = createRequest(RequestCode.PULL_MESSAGE);
    req.opaque = i;
    peer.socket.write(encodeFrame(req));
    await sleep(3);
  }
  await sleep(200);
  assert.ok(calls < total / 2, `server kept reading: ${calls} of ${total} processed`);
  peer.socket.resume();
  await waitFor(() => peer.received.length === total, 20_000);
  assert.deepEqual(peer.received.map((r) => r.opaque), [...Array(total).keys()]);
});

test('large responses are read straight into their frame buffers and arrive intact, between small ones', async (t) => {
  const { server, addr, client } = await startServer(t);
  // Echoes the request body back, repeated `times` times (bodies from 1 byte to 3 MiB).
  server.registerProcessor(RequestCode.QUERY_MESSAGE, (req) => {
    const times = Number(req.extFields.times ?? '1');
    const body = Buffer.concat(new Array<Buffer>(times).fill(req.body ?? Buffer.alloc(0)));
    return createResponse(req, ResponseCode.SUCCESS, { n: String(body.length) }, body);
  });
  const pattern = Buffer.from(Array.from({ length: 997 }, (_, i) => (i * 31) & 0xff));
  const sizes = [1, 3200, 200, 1, 400, 3, 3200, 1];
  const results = await Promise.all(
    sizes.map((times) => client.invoke(addr, createRequest(RequestCode.QUERY_MESSAGE, { times: String(times) }, pattern), 10_000)),
  );
  results.forEach((res, i) => {
    const times = sizes[i] as number;
    assert.equal(res.body?.length, pattern.length * times);
    assert.ok(res.body?.equals(Buffer.concat(new Array<Buffer>(times).fill(pattern))), `response ${i} differs`);
  });
});

test('a request\'s onWritten runs only once its frame has left: a peer that does not read holds it back', async (t) => {
  // A peer that reads nothing until told to, then decodes what came.
  const frames: Buffer[] = [];
  let peer: Socket | undefined;
  const listener = createServer((s) => {
    peer = s;
    s.pause();
    const decoder = new FrameDecoder((cmd) => frames.push(cmd.body ?? Buffer.alloc(0)));
    s.on('data', (chunk: Buffer) => decoder.push(chunk));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const client = new RemotingClient({ sweepIntervalMs: 20 });
  t.after(async () => {
    await client.shutdown();
    peer?.destroy();
    await new Promise((resolve) => listener.close(resolve));
  });
  const addr = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const connection = await client.connection(addr);
  // Three 12 MiB frames: more than loopback's socket buffers hold, so most stays in the process.
  const bodies = [1, 2, 3].map((k) => Buffer.alloc(12 * 1024 * 1024, k));
  const copies = bodies.map((b) => Buffer.from(b));
  const written: number[] = [];
  bodies.forEach((body, i) =>
    connection.requestCallback(createRequest(RequestCode.SEND_BATCH_MESSAGE, {}, body), 60_000, () => undefined, () => {
      written.push(i);
      // What a buffer pool would do with it: from here on the frame must not need it.
      body.fill(0xee);
    }),
  );
  await sleep(200);
  assert.ok(written.length < 3, `all ${written.length} frames reported written while the peer read nothing`);
  peer?.resume();
  await waitFor(() => frames.length === 3, 20_000);
  await waitFor(() => written.length === 3);
  assert.deepEqual(written, [0, 1, 2]);
  frames.forEach((f, i) => assert.ok(f.equals(copies[i] as Buffer), `frame ${i} arrived changed`));
  // A connection that has closed: the callback still runs, once.
  connection.destroy();
  await connection.whenClosed();
  let late = 0;
  connection.requestCallback(createRequest(RequestCode.HEART_BEAT, {}), 1000, () => undefined, () => late++);
  await waitFor(() => late === 1);
});
