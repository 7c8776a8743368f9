// Arbitrary-time delivery through the timer wheel: never early, restart-safe, many timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Prop, decodeRecords, type StoredMessage } from '@contrail/common';
import { ResponseCode } from '@contrail/remoting';
import { createTopic, startBroker, type Harness } from './broker-harness.js';

/** Pulls queue 0 from `offset` until `count` messages have arrived; records when each was seen. */
async function collect(h: Harness, topic: string, count: number, ms: number, onSeen?: (m: StoredMessage, at: number) => void): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count && Date.now() < deadline) {
    const r = await h.pull(topic, 0, out.length, { suspendTimeoutMillis: 200 }, 2000);
    if (r.code !== 0) continue;
    const at = Date.now();
    for (const m of decodeRecords(r.body ?? Buffer.alloc(0))) {
      out.push(m);
      onSeen?.(m, at);
    }
  }
  return out;
}

test('timer properties: delivered at their time, never before, with REAL_TOPIC and the same UNIQ_KEY', async () => {
  const h = await startBroker({ timerPrecisionMs: 200 });
  try {
    await createTopic(h, 'TT', 1);
    const now = Date.now();
    const sends = [
      { props: { [Prop.TIMER_DELAY_MS]: '600', UNIQ_KEY: 'A' }, due: now + 600 },
      { props: { [Prop.TIMER_DELAY_SEC]: '1', UNIQ_KEY: 'B' }, due: now + 1000 },
      { props: { [Prop.TIMER_DELIVER_MS]: String(now + 300), UNIQ_KEY: 'C' }, due: now + 300 },
      { props: { [Prop.START_DELIVER_TIME]: String(now + 900), UNIQ_KEY: 'D' }, due: now + 900 },
    ];
    for (const s of sends) assert.equal((await h.send('TT', `body-${s.props.UNIQ_KEY}`, s.props)).code, 0);
    assert.notEqual((await h.pull('TT', 0, 0, { suspendTimeoutMillis: 0, sysFlag: 0 })).code, ResponseCode.SUCCESS, 'nothing visible yet');
    const seen = new Map<string, number>();
    const got = await collect(h, 'TT', 4, 5000, (m) => seen.set(m.properties.UNIQ_KEY ?? '', m.storeTimestamp));
    assert.deepEqual(got.map((m) => m.properties.UNIQ_KEY), ['C', 'A', 'D', 'B']);
    for (const s of sends) {
      const at = seen.get(s.props.UNIQ_KEY) ?? 0;
      assert.ok(at >= s.due, `${s.props.UNIQ_KEY} arrived ${s.due - at} ms early`);
    }
    const m = got[0];
    assert.ok(m);
    assert.equal(m.properties[Prop.REAL_TOPIC], 'TT');
    assert.equal(m.topic, 'TT');
    assert.equal(m.body.toString(), 'body-C');
    assert.ok(Number(m.storeTimestamp) >= now + 300);
  } finally {
    await h.close();
  }
});

test('timer: a delay over timerMaxDelaySec is refused; a past time is delivered at once; DELAY wins', async () => {
  const h = await startBroker({ timerMaxDelaySec: 60, messageDelayLevel: '1s 2s' });
  try {
    await createTopic(h, 'TT2', 1);
    const far = await h.send('TT2', 'x', { [Prop.TIMER_DELAY_SEC]: '61' });
    assert.equal(far.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(far.remark ?? '', /timerMaxDelaySec/);
    assert.equal((await h.send('TT2', 'x', { [Prop.TIMER_DELAY_SEC]: 'soon' })).code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal((await h.send('TT2', 'past', { [Prop.TIMER_DELIVER_MS]: String(Date.now() - 1000) })).code, 0);
    const [past] = decodeRecords((await h.pull('TT2', 0, 0)).body ?? Buffer.alloc(0));
    assert.equal(past?.body.toString(), 'past');
    const leveled = await h.send('TT2', 'level', { [Prop.DELAY]: '1', [Prop.TIMER_DELAY_SEC]: '30' });
    assert.equal(leveled.code, 0);
    const [m] = await collect(h, 'TT2', 2, 4000).then((all) => all.slice(1));
    assert.equal(m?.body.toString(), 'level');
    assert.equal(m?.properties[Prop.TIMER_DELAY_SEC], undefined);
  } finally {
    await h.close();
  }
});

test('timer: pending timers survive a broker restart and are still never early', async () => {
  const first = await startBroker({ memory: false, timerPrecisionMs: 100, timerFlushIntervalMs: 50 });
  const dir = first.dir;
  await createTopic(first, 'TR1', 1);
  const due = Date.now() + 2500;
  for (let i = 0; i < 20; i++) assert.equal((await first.send('TR1', `r${i}`, { [Prop.TIMER_DELIVER_MS]: String(due + i * 10), UNIQ_KEY: `U${i}` })).code, 0);
  await new Promise((r) => setTimeout(r, 200));
  await first.close(true);
  assert.ok((await readdir(join(dir, 'timerlog'))).length > 0);
  assert.ok((await readdir(join(dir, 'timerwheel'))).includes('wheel'));

  const second = await startBroker({ memory: false, dir, timerPrecisionMs: 100, timerFlushIntervalMs: 50 });
  try {
    let earliest = Infinity;
    const got = await collect(second, 'TR1', 20, 8000, (m) => (earliest = Math.min(earliest, m.storeTimestamp)));
    assert.equal(got.length, 20);
    assert.ok(earliest >= due, `delivered ${due - earliest} ms early`);
    assert.deepEqual(new Set(got.map((m) => m.body.toString())).size, 20);
  } finally {
    await second.close();
  }
});

test('timer: many timers in many slots, each delivered once and on time', async () => {
  const h = await startBroker({ timerPrecisionMs: 100 });
  try {
    await createTopic(h, 'TM', 1);
    const n = 400;
    const start = Date.now();
    const dues = new Map<string, number>();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const due = start + 300 + ((i * 7919) % 1500);
        dues.set(`M${i}`, due);
        const r = await h.send('TM', `m${i}`, { [Prop.TIMER_DELIVER_MS]: String(due), UNIQ_KEY: `M${i}` });
        assert.equal(r.code, 0);
      }),
    );
    const early: string[] = [];
    const got = await collect(h, 'TM', n, 8000, (m, at) => {
      const id = m.properties.UNIQ_KEY ?? '';
      if (at < (dues.get(id) ?? Infinity) || m.storeTimestamp < (dues.get(id) ?? Infinity)) early.push(id);
    });
    assert.equal(got.length, n);
    assert.equal(new Set(got.map((m) => m.properties.UNIQ_KEY)).size, n);
    assert.deepEqual(early, []);
  } finally {
    await h.close();
  }
});
