// The timer log on real files: reads across block and segment edges, reopen, torn tail, batched scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimerLog } from '../src/timer/timer-log.js';
import { TIMER_FLAG_DELETE, TIMER_RECORD_SIZE, type TimerRecord } from '../src/timer/timer-record.js';

// Every fifth record is a delete marker (a recall), so the flags field round-trips too.
const rec = (i: number): Required<TimerRecord> => ({
  delayedTime: 1_700_000_000_000 + i,
  offsetPy: i * 100,
  sizePy: 100 + (i % 7),
  prevPos: i === 0 ? -1 : (i - 1) * TIMER_RECORD_SIZE,
  queueOffset: i,
  flags: i % 5 === 0 ? TIMER_FLAG_DELETE : 0,
});

test('timer log: every record reads back, before and after it is written, across blocks and segments', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-timerlog-'));
  try {
    const log = new TimerLog(dir, 5000);
    assert.equal(await log.open(), 0);
    const n = 12_345;
    for (let i = 0; i < n; i++) assert.equal(log.append(rec(i)), i * TIMER_RECORD_SIZE);
    assert.deepEqual(await log.read(7 * TIMER_RECORD_SIZE), rec(7), 'readable before it is written');
    await log.flush();
    for (let i = 0; i < n; i += 1) assert.deepEqual(await log.read(i * TIMER_RECORD_SIZE), rec(i), `record ${i}`);
    assert.equal((await readdir(dir)).length, 3);
    await log.close();

    // A torn tail (half a record) is cut on reopen.
    await appendFile(join(dir, String(10_000 * TIMER_RECORD_SIZE).padStart(20, '0')), Buffer.alloc(20, 7));
    const again = new TimerLog(dir, 5000);
    assert.equal(await again.open(), n * TIMER_RECORD_SIZE);
    let count = 0;
    await again.scan(4990 * TIMER_RECORD_SIZE, (r, pos) => {
      assert.equal(pos, r.queueOffset * TIMER_RECORD_SIZE);
      count++;
    });
    assert.equal(count, n - 4990);
    // In batches (a restart's replay): at most 1024 records each, awaited one at a time, in order.
    const sizes: number[] = [];
    let expect = 4990;
    let inFlight = false;
    await again.scanBatches(4990 * TIMER_RECORD_SIZE, async (batch) => {
      assert.equal(inFlight, false, 'one batch at a time');
      inFlight = true;
      sizes.push(batch.length);
      for (const { rec: r, pos } of batch) {
        assert.equal(r.queueOffset, expect++);
        assert.equal(pos, r.queueOffset * TIMER_RECORD_SIZE);
      }
      await new Promise((resolve) => setImmediate(resolve));
      inFlight = false;
    });
    assert.equal(expect, n);
    assert.ok(sizes.length > 1 && sizes.every((k) => k > 0 && k <= 1024), `batch sizes ${sizes.join(',')}`);
    assert.equal(again.append(rec(n)), n * TIMER_RECORD_SIZE);
    assert.equal(await again.deleteBefore(10_000 * TIMER_RECORD_SIZE), 2);
    assert.equal(again.start, 10_000 * TIMER_RECORD_SIZE);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
