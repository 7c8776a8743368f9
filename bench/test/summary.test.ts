import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, ratios, stat, summarize, type RunRecord } from '../src/summary.js';

test('median of odd and even counts, stat ignores non-finite values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(stat([5, NaN, 1, 9]), { median: 5, min: 1, max: 9, n: 3 });
  assert.equal(stat([]), undefined);
});

test('summarize groups by peer and workload and counts failures', () => {
  const recs: RunRecord[] = [
    { peer: 'contrail', workload: 'w1', rep: 1, metrics: { msgs_per_s: 100 } },
    { peer: 'contrail', workload: 'w1', rep: 2, metrics: { msgs_per_s: 300 } },
    { peer: 'contrail', workload: 'w1', rep: 3, error: 'boom' },
    { peer: 'jetstream', workload: 'w1', rep: 1, metrics: { msgs_per_s: 50 } },
  ];
  const rows = summarize(recs);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { peer: 'contrail', workload: 'w1', runs: 3, failures: 1, metrics: { msgs_per_s: { median: 200, min: 100, max: 300, n: 2 } } });
});

test('ratios are Contrail over JetStream medians; e2e p99 in ms; null when missing', () => {
  const rec = (peer: string, workload: string, metrics: Record<string, number>): RunRecord => ({ peer, workload, rep: 1, metrics });
  const rows = summarize([
    rec('contrail', 'w1', { msgs_per_s: 300 }),
    rec('jetstream', 'w1', { msgs_per_s: 150 }),
    rec('contrail', 'w3', { p99_us: 100 }),
    rec('jetstream', 'w3', { p99_us: 400 }),
    rec('contrail', 'w4', { p99_us: 1234 }),
  ]);
  assert.deepEqual(ratios(rows), { produce_vs_jetstream: 2, consume_vs_jetstream: null, sync_p99_vs_jetstream: 0.25, e2e_p99_ms: 1.23 });
});

test('W5 targets are read on both shapes, each against the fdatasync rate and RabbitMQ', async () => {
  const { checkTargets } = await import('../src/report.js');
  const rec = (peer: string, workload: string, msgs: number): RunRecord => ({ peer, workload, rep: 1, metrics: { msgs_per_s: msgs } });
  const rows = summarize([rec('contrail', 'w5s', 120_000), rec('rabbitmq-quorum', 'w5s', 30_000), rec('contrail', 'w5', 40_000), rec('rabbitmq-quorum', 'w5', 150_000)]);
  const none = { produce_vs_jetstream: null, consume_vs_jetstream: null, sync_p99_vs_jetstream: null, e2e_p99_ms: null };
  const w5 = checkTargets(rows, none, 8000).filter((t) => t.target.startsWith('W5'));
  assert.deepEqual(
    w5.map((t) => [t.target, t.met]),
    [
      ['W5 SYNC_FLUSH, 64 senders on one producer: ≥ 10× fdatasync rate', true],
      ['W5, 64 senders on one producer: ahead of RabbitMQ quorum', true],
      ['W5 SYNC_FLUSH, 64 producer clients: ≥ 10× fdatasync rate', false],
      ['W5, 64 producer clients: ahead of RabbitMQ quorum', false],
    ],
  );
  assert.equal(w5[0]?.value, '120,000 msgs/s = 15× 8,000/s');
  const quick = checkTargets(summarize([]), none, 8000).filter((t) => t.target.startsWith('W5'));
  assert.ok(quick.length === 4 && quick.every((t) => t.met === null), 'a run without W5 reports it as not measured');
});
