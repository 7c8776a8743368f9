// Transactional messages end to end: commit, rollback, check-back answered by another process
// of the same producer group after the sender was killed, discard after the check limit, and a
// broker restart in the middle of a transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SystemTopic, decodeRecords } from '@contrail/common';
import { PullConsumer, TransactionProducer, type LocalTransactionState, type MessageExt } from '@contrail/client';
import { eventually, failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';
import { readTopic } from './read-topic.js';

failOnUnhandledRejection();

const CHILD = fileURLToPath(new URL('./tx-producer-child.js', import.meta.url));
const FAST_CHECKS = { transactionCheckInterval: 200, transactionTimeOut: 400 };

interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line starting with `prefix` (without it). */
  line(prefix: string, ms?: number): Promise<string>;
}

function spawnChild(args: string[]): Child {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  return {
    proc,
    async line(prefix, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = lines.find((l) => l.startsWith(prefix));
        if (hit !== undefined) return hit.slice(prefix.length).trim();
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`child never printed ${prefix} (exit ${proc.exitCode})`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 100))]);
      }
    },
  };
}

async function stopChild(c: Child, signal: NodeJS.Signals): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = once(c.proc, 'exit');
  c.proc.kill(signal);
  await exited;
}

async function withCluster(config: Record<string, number | string>, fn: (c: TestCluster, consumer: PullConsumer) => Promise<void>): Promise<void> {
  const cluster = await startCluster({ brokerConfig: config });
  const consumer = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, consumerGroup: 'GID_TX_READER' });
  try {
    await consumer.start();
    await fn(cluster, consumer);
  } finally {
    await consumer.shutdown();
    await cluster.shutdown();
  }
}

function byTransaction(msgs: MessageExt[], id: string): MessageExt[] {
  return msgs.filter((m) => m.msgId === id);
}

test('commit is delivered once to its topic and queue; rollback is never visible', async () => {
  await withCluster(FAST_CHECKS, async (cluster, consumer) => {
    await cluster.createTopic('TX_COMMIT', { queues: 2 });
    const producer = new TransactionProducer<LocalTransactionState>({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup: 'PID_TX_COMMIT',
      transactionListener: {
        executeLocalTransaction: async (_msg, decision) => decision ?? 'UNKNOW',
        checkLocalTransaction: () => 'ROLLBACK_MESSAGE',
      },
    });
    await producer.start();
    try {
      const committed = await producer.sendMessageInTransaction({ topic: 'TX_COMMIT', body: 'yes', tags: 'T', keys: 'k1' }, 'COMMIT_MESSAGE');
      const rolledBack = await producer.sendMessageInTransaction({ topic: 'TX_COMMIT', body: 'no' }, 'ROLLBACK_MESSAGE');
      assert.equal(committed.localTransactionState, 'COMMIT_MESSAGE');
      assert.equal(rolledBack.localTransactionState, 'ROLLBACK_MESSAGE');
      const [m] = await eventually(async () => {
        const got = byTransaction(await readTopic(consumer, 'TX_COMMIT'), committed.transactionId);
        return got.length > 0 ? got : undefined;
      });
      assert.ok(m);
      assert.equal(m.body.toString(), 'yes');
      assert.equal(m.tags, 'T');
      assert.equal(m.queueId, committed.messageQueue.queueId, 'the queue the half message was sent for');
      assert.equal(m.sysFlag & 0xc, 0x8, 'COMMIT type');
      assert.equal(m.properties.TRAN_MSG, undefined);
      assert.equal(m.properties.PGROUP, 'PID_TX_COMMIT');
      // Long enough for several check passes: nothing else appears.
      await new Promise((r) => setTimeout(r, 1000));
      const all = await readTopic(consumer, 'TX_COMMIT');
      assert.equal(byTransaction(all, committed.transactionId).length, 1);
      assert.equal(byTransaction(all, rolledBack.transactionId).length, 0);
      assert.equal(all.length, 1);
      assert.equal(cluster.brokers[0]?.messagingCore.services.transactions?.pendingCount, 0);
    } finally {
      await producer.shutdown();
    }
  });
});

test('UNKNOW answered every time ends in TRANS_CHECK_MAX_TIME_TOPIC after transactionCheckMax checks', async () => {
  await withCluster({ ...FAST_CHECKS, transactionCheckMax: 3 }, async (cluster, consumer) => {
    await cluster.createTopic('TX_UNKNOWN', { queues: 1 });
    let checks = 0;
    const producer = new TransactionProducer({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup: 'PID_TX_UNKNOWN',
      heartbeatBrokerIntervalMs: 200,
      transactionListener: {
        executeLocalTransaction: () => 'UNKNOW',
        checkLocalTransaction: () => {
          checks++;
          return 'UNKNOW';
        },
      },
    });
    await producer.start();
    try {
      const r = await producer.sendMessageInTransaction({ topic: 'TX_UNKNOWN', body: 'maybe' });
      const broker = cluster.brokers[0];
      assert.ok(broker);
      const discarded = await eventually(async () => {
        const g = await broker.store.getMessage(SystemTopic.TRANS_CHECK_MAX_TIME, 0, 0, 32);
        return g.status === 'FOUND' ? decodeRecords(Buffer.concat(g.buffers)) : undefined;
      }, 8000);
      assert.equal(discarded.length, 1);
      assert.equal(discarded[0]?.properties.UNIQ_KEY, r.transactionId);
      assert.equal(discarded[0]?.properties.TRANSACTION_CHECK_TIMES, '3');
      assert.equal(checks, 3);
      assert.equal((await readTopic(consumer, 'TX_UNKNOWN')).length, 0);
      assert.equal(broker.messagingCore.services.transactions?.pendingCount, 0);
    } finally {
      await producer.shutdown();
    }
  });
});

test('a producer killed before it commits: another process of the group answers the check; consumed once', async () => {
  await withCluster(FAST_CHECKS, async (cluster, consumer) => {
    await cluster.createTopic('TX_KILL', { queues: 2 });
    const a = spawnChild([cluster.namesrvAddr, 'PID_TX_KILL', 'TX_KILL', 'hang']);
    let b: Child | undefined;
    try {
      const id = await a.line('HALF ');
      await stopChild(a, 'SIGKILL');
      assert.equal((await readTopic(consumer, 'TX_KILL')).length, 0, 'a half message is invisible');
      b = spawnChild([cluster.namesrvAddr, 'PID_TX_KILL', 'TX_KILL', 'answer']);
      assert.equal(await b.line('CHECKED '), id);
      const got = await eventually(async () => {
        const all = await readTopic(consumer, 'TX_KILL');
        return all.length > 0 ? all : undefined;
      });
      assert.equal(got[0]?.msgId, id);
      assert.equal(got[0]?.body.toString(), 'from A');
      await new Promise((r) => setTimeout(r, 800));
      assert.equal((await readTopic(consumer, 'TX_KILL')).length, 1, 'exactly once');
    } finally {
      await stopChild(a, 'SIGKILL');
      if (b !== undefined) await stopChild(b, 'SIGTERM');
    }
  });
});

test('a broker restart in the middle of a transaction keeps the half message; the check after it commits', async () => {
  await withCluster(FAST_CHECKS, async (cluster, consumer) => {
    await cluster.createTopic('TX_RESTART', { queues: 1 });
    let decided: LocalTransactionState = 'UNKNOW';
    const producer = new TransactionProducer({
      namesrvAddr: cluster.namesrvAddr,
      producerGroup: 'PID_TX_RESTART',
      heartbeatBrokerIntervalMs: 200,
      transactionListener: { executeLocalTransaction: () => 'UNKNOW', checkLocalTransaction: () => decided },
    });
    await producer.start();
    try {
      const r = await producer.sendMessageInTransaction({ topic: 'TX_RESTART', body: 'survives' });
      await cluster.restartBroker(0);
      assert.equal(cluster.brokers[0]?.messagingCore.services.transactions?.pendingCount, 1, 'recovered from the half and op queues');
      decided = 'COMMIT_MESSAGE';
      const got = await eventually(async () => {
        const all = await readTopic(consumer, 'TX_RESTART');
        return all.length > 0 ? all : undefined;
      }, 8000);
      assert.equal(got[0]?.msgId, r.transactionId);
      await new Promise((res) => setTimeout(res, 800));
      assert.equal((await readTopic(consumer, 'TX_RESTART')).length, 1);
    } finally {
      await producer.shutdown();
    }
  });
});
