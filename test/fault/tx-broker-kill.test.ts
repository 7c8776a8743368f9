// A broker process SIGKILLed in the middle of transactions. Half messages are stored, then the
// broker is killed before the producer's COMMIT / ROLLBACK reaches it (the END_TRANSACTION is
// sent to a dead broker and lost); the broker is restarted on the same port and data. It must
// rebuild its table of unfinished transactions from the half and op queues, ask the producer
// group (check-back), deliver each committed message exactly once to its topic and never a
// rolled-back one. A transaction committed before the kill is not delivered a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PullConsumer, TransactionProducer, type LocalTransactionState, type MessageExt } from '@contrail/client';
import { eventually, failOnUnhandledRejection } from '@contrail/testkit';
import { readTopic } from '../integration/read-topic.js';
import { startFaultEnv } from './tx-timer-broker-process.js';

failOnUnhandledRejection();

const TOPIC = 'TX_KILL';
const CHECK_MS = 300;

interface Arg {
  decision: LocalTransactionState;
  /** Wait for the broker to be killed before answering. */
  afterKill: boolean;
}

test('kill -9 between half message and commit: after restart the check-back commits once, rollback never visible', async () => {
  const env = await startFaultEnv('broker-tx', { transactionCheckInterval: CHECK_MS, transactionTimeOut: CHECK_MS });
  let killed: () => void = () => undefined;
  const brokerKilled = new Promise<void>((r) => (killed = r));
  let restarted = false;
  /** Local transactions running, i.e. half messages stored. */
  let halvesStored = 0;
  const decisions = new Map<string, LocalTransactionState>();
  /** Check-backs answered after the restart, by body. */
  const checks = new Map<string, number>();
  let checksBeforeRestart = 0;
  const producer = new TransactionProducer<Arg>({
    namesrvAddr: env.namesrvAddr,
    producerGroup: 'PID_TX_KILL',
    heartbeatBrokerIntervalMs: 200,
    transactionListener: {
      executeLocalTransaction: async (_msg, arg) => {
        if (arg?.afterKill === true) {
          halvesStored++;
          await brokerKilled;
        }
        return arg?.decision ?? 'UNKNOW';
      },
      checkLocalTransaction: (msg) => {
        const body = msg.body.toString();
        if (!restarted) {
          // The local transaction has not finished yet, as far as the broker may know.
          checksBeforeRestart++;
          return 'UNKNOW';
        }
        checks.set(body, (checks.get(body) ?? 0) + 1);
        return decisions.get(body) ?? 'UNKNOW';
      },
    },
  });
  const consumer = new PullConsumer({ namesrvAddr: env.namesrvAddr, consumerGroup: 'GID_TX_KILL_READER' });
  try {
    await env.createTopic(TOPIC, 2);
    await producer.start();
    await consumer.start();

    // Committed while the broker is up: its op record must survive the kill.
    decisions.set('before', 'COMMIT_MESSAGE');
    const before = await producer.sendMessageInTransaction({ topic: TOPIC, body: 'before' }, { decision: 'COMMIT_MESSAGE', afterKill: false });
    assert.equal(before.localTransactionState, 'COMMIT_MESSAGE');
    await eventually(async () => ((await readTopic(consumer, TOPIC)).some((m) => m.body.toString() === 'before') ? true : undefined), 10_000, 100);

    const bodies: string[] = [];
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      for (const [prefix, decision] of [
        ['commit', 'COMMIT_MESSAGE'],
        ['rollback', 'ROLLBACK_MESSAGE'],
      ] as const) {
        const body = `${prefix}-${i}`;
        bodies.push(body);
        decisions.set(body, decision);
        sends.push(producer.sendMessageInTransaction({ topic: TOPIC, body, keys: body }, { decision, afterKill: true }));
      }
    }
    // A local transaction runs once its half message is stored: kill when all of them run.
    await eventually(() => (halvesStored === bodies.length ? true : undefined), 10_000, 20);
    const pid = env.broker.pid;
    await env.broker.stop('SIGKILL');
    killed();
    // The local transactions finish now; their END_TRANSACTION goes to a dead broker.
    const results = await Promise.all(sends);
    assert.equal(results.length, bodies.length);

    restarted = true;
    await env.broker.start();
    assert.notEqual(env.broker.pid, pid, 'a new broker process');

    const committed = bodies.filter((b) => decisions.get(b) === 'COMMIT_MESSAGE');
    const rolledBack = bodies.filter((b) => decisions.get(b) === 'ROLLBACK_MESSAGE');
    const countOf = (msgs: MessageExt[], body: string): number => msgs.filter((m) => m.body.toString() === body).length;
    await eventually(
      async () => {
        const msgs = await readTopic(consumer, TOPIC);
        return committed.every((b) => countOf(msgs, b) > 0) && bodies.every((b) => (checks.get(b) ?? 0) > 0) ? true : undefined;
      },
      20_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(`after the restart: checked ${[...checks.keys()].sort().join(',')}`, { cause: err });
    });

    // Several more check passes: nothing else is asked about or appears.
    await new Promise((r) => setTimeout(r, 2 * CHECK_MS));
    const answered = new Map(checks);
    await new Promise((r) => setTimeout(r, 8 * CHECK_MS));
    const msgs = await readTopic(consumer, TOPIC);
    for (const b of committed) assert.equal(countOf(msgs, b), 1, `${b} delivered exactly once`);
    for (const b of rolledBack) assert.equal(countOf(msgs, b), 0, `${b} never delivered`);
    assert.equal(countOf(msgs, 'before'), 1, 'the transaction committed before the kill is not delivered again');
    assert.equal(msgs.length, committed.length + 1);
    for (const m of msgs) {
      assert.equal(m.sysFlag & 0xc, 0x8, 'COMMIT type');
      assert.equal(m.properties.TRAN_MSG, undefined);
    }
    assert.deepEqual(checks, answered, 'no half message is checked again once answered');
    process.stdout.write(
      `# tx kill: ${committed.length} committed and ${rolledBack.length} rolled back across kill -9; checks before kill ${checksBeforeRestart}, after restart ${[...checks.values()].reduce((a, b) => a + b, 0)}\n`,
    );
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await env.shutdown();
  }
});
