import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForQuiet, type CpuSample } from '../src/quiet.js';

/** A machine whose CPUs are busy for the first `busyWindows` windows, then idle. */
function machine(busyWindows: number): { sample: () => CpuSample; sleep: () => Promise<void> } {
  let window = 0;
  let idle = 0;
  let total = 0;
  return {
    sample: () => ({ idle, total }),
    sleep: async () => {
      idle += window < busyWindows ? 100 : 480;
      total += 500;
      window++;
    },
  };
}

test('waits through busy windows and returns at the first quiet one', async () => {
  const r = await waitForQuiet({ ...machine(3), windowMs: 250, maxMs: 15_000 });
  assert.deepEqual(r, { quiet: true, waitedMs: 1000, idleShare: 0.96 });
});

test('gives up after maxMs on a machine that stays busy, and says so', async () => {
  const r = await waitForQuiet({ ...machine(1_000), windowMs: 250, maxMs: 2_000 });
  assert.equal(r.quiet, false);
  assert.equal(r.waitedMs, 2_000);
  assert.equal(r.idleShare, 0.2);
});
