import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SendCoalescer, type PendingSend } from '../src/send-coalescer.js';
import type { PreparedMessage } from '../src/outgoing-message.js';

function msg(topic: string, bodyBytes = 10): PreparedMessage {
  return {
    topic,
    body: Buffer.alloc(bodyBytes, 0x61),
    flag: 0,
    sysFlag: 0,
    properties: {},
    propertiesText: '',
    uniqId: 'X',
    bornTimestamp: 0,
    batchable: true,
  };
}

function recorder(): { sent: { topic: string; n: number }[]; coalescer: (maxMessages: number, maxBytes: number) => SendCoalescer } {
  const sent: { topic: string; n: number }[] = [];
  return {
    sent,
    coalescer: (maxMessages, maxBytes) => new SendCoalescer({ maxMessages, maxBytes }, (topic: string, group: PendingSend[]) => sent.push({ topic, n: group.length })),
  };
}

const noop = (): void => undefined;

test('sends of one turn leave together at the end of the turn, one frame per topic', async () => {
  const r = recorder();
  const c = r.coalescer(100, 1 << 20);
  for (let i = 0; i < 5; i++) c.add(msg('a'), noop);
  c.add(msg('b'), noop);
  assert.deepEqual(r.sent, []);
  assert.equal(c.pending, 6);
  await nextTurn();
  assert.deepEqual(r.sent, [
    { topic: 'a', n: 5 },
    { topic: 'b', n: 1 },
  ]);
  assert.equal(c.pending, 0);
});

test('a group that reaches maxMessages leaves at once; the rest waits for the end of the turn', async () => {
  const r = recorder();
  const c = r.coalescer(3, 1 << 20);
  for (let i = 0; i < 3; i++) c.add(msg('a'), noop);
  assert.deepEqual(r.sent, [{ topic: 'a', n: 3 }]);
  c.add(msg('a'), noop);
  c.add(msg('a'), noop);
  assert.equal(r.sent.length, 1);
  await nextTurn();
  assert.deepEqual(r.sent, [
    { topic: 'a', n: 3 },
    { topic: 'a', n: 2 },
  ]);
});

test('a message that would push a group over maxBytes sends the group first', async () => {
  const r = recorder();
  // Each 100-byte body counts 122 bytes.
  const c = r.coalescer(100, 300);
  c.add(msg('a', 100), noop);
  c.add(msg('a', 100), noop);
  assert.deepEqual(r.sent, []);
  c.add(msg('a', 100), noop);
  assert.deepEqual(r.sent, [{ topic: 'a', n: 2 }]);
  await nextTurn();
  assert.deepEqual(r.sent, [
    { topic: 'a', n: 2 },
    { topic: 'a', n: 1 },
  ]);
});

test('a single message over maxBytes goes alone, at once', () => {
  const r = recorder();
  const c = r.coalescer(100, 50);
  c.add(msg('a', 100), noop);
  assert.deepEqual(r.sent, [{ topic: 'a', n: 1 }]);
});
