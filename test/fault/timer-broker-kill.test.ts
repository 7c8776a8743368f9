// Delayed messages pending across a broker SIGKILL: exact-time (timer wheel) and delay-level
// (SCHEDULE_TOPIC_XXXX) messages are sent, some become due before the kill, some while the
// broker is down, some after it is back; the last are sent just before the kill, inside one
// timer flush interval, so the restart has to pick them up from the timer topic and the timer
// log past the checkpoint. Every message must arrive, none before its due time. Duplicates are
// allowed (a delivery after the last checkpoint may be repeated) and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, PullConsumer, type MessageExt, type SendableMessage } from '@contrail/client';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { readTopic } from '../integration/read-topic.js';
import { startFaultEnv } from './tx-timer-broker-process.js';

failOnUnhandledRejection();

const TOPIC = 'TIMER_KILL';
const LEVELS = '1s 2s 3s 4s 5s';

interface Sent {
  body: string;
  /** The earliest time it may be stored in TOPIC. */
  notBefore: number;
  /** TIMER_DELIVER_MS, TIMER_DELAY_SEC or a DELAY level. */
  kind: 'deliverTime' | 'delaySeconds' | 'level';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('kill -9 with timer and delay-level messages pending: all delivered after restart, none early', async () => {
  const env = await startFaultEnv('broker-timer', { messageDelayLevel: LEVELS, flushConsumerOffsetInterval: 500, timerFlushIntervalMs: 1000 });
  const producer = new Producer({ namesrvAddr: env.namesrvAddr, producerGroup: 'PID_TIMER_KILL' });
  const consumer = new PullConsumer({ namesrvAddr: env.namesrvAddr, consumerGroup: 'GID_TIMER_KILL_READER' });
  const sent: Sent[] = [];
  const send = async (m: Omit<SendableMessage, 'topic' | 'body'> & { body: string }, kind: Sent['kind'], delayMs: number): Promise<void> => {
    const before = Date.now();
    await producer.send({ ...m, topic: TOPIC });
    sent.push({ body: m.body, kind, notBefore: m.deliverTimeMs ?? before + delayMs });
  };
  try {
    await env.createTopic(TOPIC, 2);
    await producer.start();
    await consumer.start();

    const t0 = Date.now();
    const sends: Promise<void>[] = [];
    // Exact times from 0.5 s to 9 s ahead: due before the kill (~2.5 s), during the downtime
    // and after the restart.
    for (let i = 0; i < 18; i++) {
      const at = t0 + 500 + i * 500;
      sends.push(send({ body: `at-${i}`, deliverTimeMs: at }, 'deliverTime', 0));
    }
    for (let s = 1; s <= 6; s++) sends.push(send({ body: `sec-${s}`, delaySeconds: s }, 'delaySeconds', s * 1000));
    for (let level = 1; level <= 5; level++) {
      for (let k = 0; k < 2; k++) sends.push(send({ body: `level-${level}-${k}`, delayLevel: level }, 'level', level * 1000));
    }
    await Promise.all(sends);

    await sleep(Math.max(0, t0 + 2200 - Date.now()));
    // Sent within one timer flush interval of the kill: past the checkpoint.
    const late: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) late.push(send({ body: `last-${i}`, deliverTimeMs: Date.now() + 3000 + i * 200 }, 'deliverTime', 0));
    await Promise.all(late);
    const deliveredBeforeKill = (await readTopic(consumer, TOPIC)).length;
    await env.broker.stop('SIGKILL');
    const killedAt = Date.now();
    await sleep(1500);
    await env.broker.start();
    const restartedAt = Date.now();

    const firstSeen = new Map<string, number>();
    let msgs: MessageExt[] = [];
    await eventually(
      async () => {
        msgs = await readTopic(consumer, TOPIC);
        const now = Date.now();
        for (const m of msgs) if (!firstSeen.has(m.body.toString())) firstSeen.set(m.body.toString(), now);
        return sent.every((s) => firstSeen.has(s.body)) ? true : undefined;
      },
      20_000,
      200,
    ).catch((err: unknown) => {
      const missing = sent.filter((s) => !firstSeen.has(s.body)).map((s) => s.body);
      throw new Error(`never delivered: ${missing.join(', ')}`, { cause: err });
    });

    const byBody = new Map(sent.map((s) => [s.body, s]));
    const early: string[] = [];
    for (const m of msgs) {
      const s = byBody.get(m.body.toString());
      assert.ok(s !== undefined, `unexpected message ${m.body.toString()}`);
      if (m.storeTimestamp < s.notBefore) early.push(`${s.body} stored ${s.notBefore - m.storeTimestamp} ms early`);
      if (s.kind !== 'level') {
        const due = Number(m.properties.TIMER_OUT_MS);
        assert.ok(Number.isSafeInteger(due) && due >= s.notBefore, `${s.body}: TIMER_OUT_MS ${m.properties.TIMER_OUT_MS}`);
        if (s.kind === 'deliverTime') assert.equal(due, s.notBefore, `${s.body}: TIMER_OUT_MS is the time asked for`);
        if (m.storeTimestamp < due) early.push(`${s.body} stored ${due - m.storeTimestamp} ms before TIMER_OUT_MS`);
      }
    }
    assert.deepEqual(early, [], 'never early');
    const duplicates = msgs.length - new Set(msgs.map((m) => m.body.toString())).size;
    const dueWhileDown = sent.filter((s) => s.notBefore >= killedAt && s.notBefore < restartedAt).length;
    process.stdout.write(
      `# timer kill: ${sent.length} sent, ${deliveredBeforeKill} delivered before kill -9, ${dueWhileDown} due while down (${restartedAt - killedAt} ms), all delivered, 0 early, ${duplicates} duplicates\n`,
    );
    assert.ok(deliveredBeforeKill > 0 && deliveredBeforeKill < sent.length, `some (not all) delivered before the kill: ${deliveredBeforeKill}`);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await env.shutdown();
  }
});
