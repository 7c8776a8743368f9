import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAveragely, queueForKey, selectByHash, type MessageQueue } from '../src/index.js';
import { LatencyFaultTolerance, notAvailableDuration } from '../src/fault-tolerance.js';
import { QueuePicker } from '../src/queue-picker.js';
import { createClientId } from '../src/client-id.js';

function queues(spec: Record<string, number>, topic = 'T'): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const [brokerName, n] of Object.entries(spec)) for (let i = 0; i < n; i++) out.push({ topic, brokerName, queueId: i });
  return out;
}

test('averagely: 8 queues over 3 consumers is 3/3/2, contiguous, in sorted order', () => {
  const mqs = queues({ 'broker-b': 4, 'broker-a': 4 });
  const cids = ['c3', 'c1', 'c2'];
  const got = ['c1', 'c2', 'c3'].map((c) => allocateAveragely(c, mqs, cids).map((q) => `${q.brokerName}:${q.queueId}`));
  assert.deepEqual(got, [
    ['broker-a:0', 'broker-a:1', 'broker-a:2'],
    ['broker-a:3', 'broker-b:0', 'broker-b:1'],
    ['broker-b:2', 'broker-b:3'],
  ]);
});

test('averagely: more consumers than queues leaves the extra ones idle; unknown clients get nothing', () => {
  const mqs = queues({ b: 2 });
  const cids = ['a', 'b', 'c', 'd'];
  assert.deepEqual(cids.map((c) => allocateAveragely(c, mqs, cids).length), [1, 1, 0, 0]);
  assert.deepEqual(allocateAveragely('zz', mqs, cids), []);
  assert.deepEqual(allocateAveragely('a', [], cids), []);
  // Duplicate ids (one per channel, as Java lists them) do not change the split.
  assert.deepEqual(allocateAveragely('b', mqs, ['a', 'b', 'a']).length, 1);
});

test('averagely: every queue owned exactly once', () => {
  for (let n = 0; n <= 17; n++) {
    for (let c = 1; c <= 6; c++) {
      const mqs = queues({ x: n });
      const cids = Array.from({ length: c }, (_, i) => `c${i}`);
      const all = cids.flatMap((id) => allocateAveragely(id, mqs, cids).map((q) => q.queueId));
      assert.deepEqual(all.sort((a, b) => a - b), mqs.map((q) => q.queueId));
    }
  }
});

test('sharding key: stable hash over the queue list', () => {
  const mqs = queues({ a: 4, b: 4 });
  const q1 = queueForKey(mqs, 'order-42');
  assert.deepEqual(queueForKey(mqs, 'order-42'), q1);
  assert.deepEqual(selectByHash(mqs, { topic: 'T', body: Buffer.from('x') }, 'order-42'), q1);
  // Java: Math.abs("order-42".hashCode()) % 8.
  const used = new Set(Array.from({ length: 200 }, (_, i) => queueForKey(mqs, `k${i}`).queueId + queueForKey(mqs, `k${i}`).brokerName));
  assert.equal(used.size, 8);
  assert.throws(() => queueForKey([], 'x'), RangeError);
});

test('fault tolerance: failed brokers are avoided for the isolation time, slow ones by latency', () => {
  const f = new LatencyFaultTolerance(1000);
  f.update('a', 10, true, 0);
  assert.equal(f.isAvailable('a', 500), false);
  assert.equal(f.isAvailable('a', 1000), true);
  assert.equal(f.isAvailable('b', 0), true);
  assert.equal(notAvailableDuration(40), 0);
  assert.equal(notAvailableDuration(600), 30_000);
  assert.equal(notAvailableDuration(20_000), 600_000);
  f.update('c', 700, false, 0);
  assert.equal(f.isAvailable('c', 29_999), false);
  assert.equal(f.leastBad(['a', 'c']), 'a');
  assert.equal(f.leastBad(['a', 'zz']), 'zz');
});

test('queue picker: round robin, skipping avoided brokers and the broker that just failed', () => {
  const f = new LatencyFaultTolerance(10_000);
  const p = new QueuePicker(f);
  const mqs = queues({ a: 2, b: 2 });
  const seen = new Set(Array.from({ length: 8 }, () => JSON.stringify(p.pick(mqs, undefined, 0))));
  assert.equal(seen.size, 4);
  for (let i = 0; i < 10; i++) assert.equal(p.pick(mqs, 'a', 0)?.brokerName, 'b');
  f.update('b', 1, true, 0);
  for (let i = 0; i < 10; i++) assert.equal(p.pick(mqs, undefined, 1)?.brokerName, 'a');
  // Everything avoided: still some queue, and not the one that just failed.
  f.update('a', 1, true, 2);
  for (let i = 0; i < 10; i++) assert.equal(p.pick(mqs, 'b', 3)?.brokerName, 'a');
  assert.equal(p.pick([], undefined, 0), undefined);
});

test('client ids are unique within a process', () => {
  const ids = new Set(Array.from({ length: 5 }, () => createClientId('10.0.0.1', 'DEFAULT')));
  assert.equal(ids.size, 5);
  for (const id of ids) assert.match(id, /^10\.0\.0\.1@DEFAULT#\d+$/);
});
