// The idle memory return: collection and trim only after the loop has been quiet for the
// configured samples (no message moved, when the caller counts them), and only when RSS grew
// enough since the last return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@contrail/common';
import { IdleMemoryReturn } from '../src/memory/idle-memory-return.js';

const MiB = 1024 * 1024;

/** `moved`: a count of messages moved the return reads as its activity (none without it). */
function harness(moved?: () => number): { r: IdleMemoryReturn; calls: string[]; set: (busy: number, rssMiB: number) => void } {
  let utilization = 0;
  let rss = 100 * MiB;
  const calls: string[] = [];
  const r = new IdleMemoryReturn({
    trim: async () => {
      calls.push('trim');
      rss -= 40 * MiB;
      return true;
    },
    gc: () => calls.push('gc'),
    rss: () => rss,
    utilization: (mark) => ({ utilization, mark }),
    ...(moved !== undefined ? { activity: moved } : {}),
    logger: createLogger('test'),
  });
  return {
    r,
    calls,
    set(busy, rssMiB) {
      utilization = busy;
      rss = rssMiB * MiB;
    },
  };
}

test('memory goes back after two quiet samples, collection first, and only once per growth', async () => {
  const { r, calls, set } = harness();
  set(0.9, 250);
  await r.sample();
  await r.sample();
  assert.deepEqual(calls, [], 'busy: nothing');
  set(0.01, 250);
  await r.sample();
  assert.deepEqual(calls, [], 'one quiet sample is not enough');
  await r.sample();
  assert.deepEqual(calls, ['gc', 'trim']);
  assert.equal(r.returns, 1);
  for (let i = 0; i < 5; i++) await r.sample();
  assert.equal(r.returns, 1, 'no growth since the return (210 MiB): nothing more');
  set(0.01, 230);
  await r.sample();
  await r.sample();
  assert.equal(r.returns, 1, '20 MiB over the last return is under the 32 MiB threshold');
  set(0.01, 250);
  await r.sample();
  await r.sample();
  assert.equal(r.returns, 2);
});

test('a busy sample between quiet ones starts the count again', async () => {
  const { r, calls, set } = harness();
  set(0.01, 300);
  await r.sample();
  set(0.5, 300);
  await r.sample();
  set(0.01, 300);
  await r.sample();
  assert.deepEqual(calls, []);
  await r.sample();
  assert.deepEqual(calls, ['gc', 'trim']);
});

test('without an exposed gc only the trim runs; after a failed trim the next try waits for new growth', async () => {
  let trims = 0;
  let rss = 100 * MiB;
  const r = new IdleMemoryReturn({
    trim: async () => {
      trims++;
      throw new Error('trim failed');
    },
    rss: () => rss,
    utilization: (mark) => ({ utilization: 0, mark }),
    logger: createLogger('test'),
  });
  rss = 200 * MiB;
  await r.sample();
  await assert.rejects(r.sample(), /trim failed/);
  assert.equal(trims, 1);
  // The failure goes to the caller (the broker logs it); no new try without new growth.
  for (let i = 0; i < 4; i++) await r.sample();
  assert.equal(trims, 1);
  rss = 240 * MiB;
  await assert.rejects(r.sample(), /trim failed/, 'still quiet, and 40 MiB of new growth');
  assert.equal(trims, 2);
});

test('with an activity count: quiet means no message moved and the loop under 20 % busy', async () => {
  let moved = 0;
  const { r, calls, set } = harness(() => moved);
  set(0.06, 250);
  for (let i = 0; i < 4; i++) {
    moved += 10;
    await r.sample();
  }
  assert.deepEqual(calls, [], 'messages moving: never quiet, however idle the loop looks');
  set(0.3, 250);
  await r.sample();
  await r.sample();
  assert.deepEqual(calls, [], 'no message moved, but the loop was busy with something else');
  set(0.06, 250);
  await r.sample();
  assert.deepEqual(calls, [], 'one quiet sample is not enough');
  await r.sample();
  assert.deepEqual(calls, ['gc', 'trim'], 'two samples with no message moved and the loop at 6 %: the return runs');
});
