import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContrailError } from '@contrail/common';
import {
  RemotingConnection,
  RequestCode,
  ResponseCode,
  createMemoryTransportPair,
  createRequest,
  createResponse,
  type RemotingCommand,
} from '../src/index.js';

function pair(sweepIntervalMs = 20): [RemotingConnection, RemotingConnection] {
  const [a, b] = createMemoryTransportPair();
  return [new RemotingConnection(a, { sweepIntervalMs }), new RemotingConnection(b, { sweepIntervalMs })];
}

test('requests are matched to responses by opaque, also out of order', async () => {
  const [client, server] = pair();
  const held: RemotingCommand[] = [];
  server.setRequestHandler((req) => {
    held.push(req);
    if (held.length === 3) {
      for (const r of held.reverse()) server.send(createResponse(r, 0, { echo: r.extFields.n ?? '' }));
    }
  });
  const results = await Promise.all(
    ['a', 'b', 'c'].map((n) => client.request(createRequest(RequestCode.HEART_BEAT, { n }), 1000)),
  );
  assert.deepEqual(results.map((r) => r.extFields.echo), ['a', 'b', 'c']);
  assert.equal(client.inFlight, 0);
  client.destroy();
  await server.whenClosed();
});

test('opaques count up per connection', async () => {
  const [client, server] = pair();
  const seen: number[] = [];
  server.setRequestHandler((req) => {
    seen.push(req.opaque);
    server.send(createResponse(req, 0));
  });
  for (let i = 0; i < 3; i++) await client.request(createRequest(34), 1000);
  assert.deepEqual(seen, [0, 1, 2]);
  client.destroy();
});

test('an unanswered request times out through the sweep', async () => {
  const [client, server] = pair(20);
  server.setRequestHandler(() => undefined);
  const started = Date.now();
  await assert.rejects(client.request(createRequest(11), 100), (err: unknown) => {
    return err instanceof ContrailError && err.code === 'REQUEST_TIMEOUT' && err.retriable;
  });
  const took = Date.now() - started;
  assert.ok(took >= 100 && took < 1000, `took ${took} ms`);
  assert.equal(client.inFlight, 0);
  client.destroy();
});

test('closing fails every in-flight request with CONNECTION_CLOSED', async () => {
  const [client, server] = pair();
  server.setRequestHandler(() => undefined);
  const pending = [client.request(createRequest(11), 10_000), client.request(createRequest(12), 10_000)];
  await new Promise((r) => setTimeout(r, 10));
  server.destroy();
  for (const p of pending) {
    await assert.rejects(p, (err: unknown) => err instanceof ContrailError && err.code === 'CONNECTION_CLOSED');
  }
  await assert.rejects(client.request(createRequest(11), 1000), (err: unknown) => {
    return err instanceof ContrailError && err.code === 'CONNECTION_CLOSED';
  });
});

test('a connection without a request handler answers 3, and nothing to oneway', async () => {
  const [client, server] = pair();
  const res = await client.request(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED), 1000);
  assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(res.remark, ' request type 40 not supported');
  assert.ok(client.oneway(createRequest(40)));
  client.destroy();
  await server.whenClosed();
});

test('a bad frame closes the connection with the typed error', async () => {
  const [a, b] = createMemoryTransportPair();
  const conn = new RemotingConnection(b);
  const closed = new Promise<Error | undefined>((resolve) => conn.onClose(resolve));
  a.attach({ onData: () => undefined, onDrain: () => undefined, onClose: () => undefined });
  a.write([Buffer.from([0, 0, 0, 6, 0, 0, 0, 2, 0x7b, 0x7b])]);
  const err = await closed;
  assert.ok(err instanceof ContrailError && err.code === 'FRAME_MALFORMED');
});
