import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureFloor } from '../src/floor.js';
import { markdown, type BenchResult } from '../src/report.js';

test('the loopback floor measures its three round-trip shapes against a child echo server, and the report states them', async () => {
  const f = await measureFloor(true);
  for (const v of Object.values(f)) assert.ok(Number.isFinite(v) && v > 0, JSON.stringify(f));
  assert.ok(f.sync_p99_us >= f.sync_p50_us && f.paced_p99_us >= f.paced_p50_us);
  // Every shape was measured: no timing is compared here, only that each figure exists.
  assert.equal(Object.keys(f).length, 6, JSON.stringify(f));
  const result: BenchResult = {
    mode: 'quick',
    reps: 1,
    machine: { date: '', cpu: 'x', cores: 2, memGiB: 1, kernel: 'k', node: 'v20', loadAvgAtStart: [0, 0, 0], floor: f, versions: {} },
    launcher: 'test',
    params: {},
    rows: [],
    ratios: { produce_vs_jetstream: null, consume_vs_jetstream: null, sync_p99_vs_jetstream: null, e2e_p99_ms: null },
    targets: [],
    missing: [],
    elapsedS: 0,
  };
  const md = markdown(result);
  assert.match(md, new RegExp(`Loopback floor .* p99 ${f.sync_p99_us.toLocaleString('en-US')} µs`));
  assert.match(md, new RegExp(`64 connections, .*: ${(f.conns64_rt_per_s as number).toLocaleString('en-US')} round trips/s`));
});
