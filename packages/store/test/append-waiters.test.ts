// Appends waiting for their durability point: resolved in offset order when the log gets
// there, failed together, and FLUSH_DISK_TIMEOUT once syncFlushTimeout has passed, never before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendWaiters } from '../src/append-waiters.js';
import type { PutMessageResult } from '../src/index.js';

function result(end: number): PutMessageResult {
  return { status: 'PUT_OK', physicalOffset: end - 10, wroteBytes: 10, queueOffset: 0, msgId: `m${end}`, storeTimestamp: 0, msgNum: 1 };
}

test('appends resolve in order up to the offset reached, the rest keep waiting', async () => {
  const w = new AppendWaiters(5000);
  const done: number[] = [];
  const all = [10, 20, 30].map((end) =>
    w.add(end, result(end)).then((r) => {
      done.push(end);
      return r;
    }),
  );
  w.resolveUpTo(25);
  await Promise.all(all.slice(0, 2));
  assert.deepEqual(done, [10, 20]);
  assert.equal(w.size, 1);
  w.failAll('SERVICE_NOT_AVAILABLE', 'store shut down');
  const last = await all[2];
  assert.equal(last?.status, 'SERVICE_NOT_AVAILABLE');
  assert.equal(last?.remark, 'store shut down');
  assert.equal(w.size, 0);
  w.stop();
});

test('an append the log never reaches resolves FLUSH_DISK_TIMEOUT after the timeout, not before', async () => {
  const timeout = 60;
  const w = new AppendWaiters(timeout);
  // The sweep timer is unref'ed (in a store, pending writes keep the process up): this does.
  const alive = setTimeout(() => undefined, 10_000);
  const t0 = performance.now();
  const early = w.add(10, result(10));
  // Added later, so it waits its own full timeout.
  await new Promise((resolve) => setTimeout(resolve, 25));
  const t1 = performance.now();
  const late = w.add(20, result(20));
  const a = await early;
  const ta = performance.now();
  assert.equal(a.status, 'FLUSH_DISK_TIMEOUT');
  assert.ok(ta - t0 >= timeout, `timed out after ${ta - t0} ms`);
  const b = await late;
  assert.equal(b.status, 'FLUSH_DISK_TIMEOUT');
  assert.ok(performance.now() - t1 >= timeout, 'the later append waited its own timeout');
  w.stop();
  clearTimeout(alive);
});
