// Consumer-group failover across processes: three consumer processes (each with a concurrent
// and an orderly consumer) share two groups; a producer sends unordered and keyed (ordered)
// messages; one consumer is killed with SIGKILL mid-stream and a fourth joins. Every
// acknowledged message must be consumed at least once per group; duplicates are counted;
// the orderly group must never deliver a key's message before the previous one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '@contrail/client';
import { eventually, failOnUnhandledRejection, startCluster } from '@contrail/testkit';

failOnUnhandledRejection();

const CHILD = fileURLToPath(new URL('./push-consumer-child.js', import.meta.url));

interface Line {
  child: string;
  t: string;
  g?: string;
  body?: string;
  q?: string;
  ts?: number;
  topic?: string;
  queues?: string[];
}

interface Child {
  name: string;
  proc: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
}

function spawnChild(namesrvAddr: string, name: string, lines: Line[]): Child {
  const proc = spawn(process.execPath, [CHILD, namesrvAddr, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  createInterface({ input: proc.stdout }).on('line', (l) => {
    if (!l.startsWith('{"child"')) return;
    const line = JSON.parse(l) as Line;
    lines.push(line);
    if (line.t === 'ready') markReady();
  });
  proc.stderr.on('data', (d: Buffer) => {
    const s = d.toString();
    if (/"level":(50|60)|Error/.test(s)) process.stderr.write(`[${name}] ${s}`);
  });
  return { name, proc, ready };
}

async function stop(c: Child, signal: NodeJS.Signals): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = once(c.proc, 'exit');
  c.proc.kill(signal);
  await exited;
}

test('SIGKILLed consumer: queues taken over, nothing lost, duplicates counted, keyed order kept', async () => {
  const cluster = await startCluster({ brokers: 2, memoryStore: true, brokerConfig: { channelExpiredTimeout: 3000 } });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: 'PID_FAULT' });
  const lines: Line[] = [];
  const children: Child[] = [];
  try {
    await cluster.createTopic('FAULT_PLAIN', { queues: 4 });
    await cluster.createTopic('FAULT_ORDER', { queues: 4 });
    await producer.start();
    for (const name of ['c0', 'c1', 'c2']) children.push(spawnChild(cluster.namesrvAddr, name, lines));
    await Promise.all(children.map((c) => c.ready));

    const ackedPlain: string[] = [];
    const ackedOrdered: string[] = [];
    const seqOf = new Map<string, number>();
    const KEYS = 12;
    let killedAt = 0;
    for (let tick = 0; tick < 50; tick++) {
      // Killed while this tick's messages are being consumed, not between ticks.
      const killing =
        tick === 12
          ? new Promise((r) => setTimeout(r, 15)).then(() => {
              killedAt = Date.now();
              return stop(children[0] as Child, 'SIGKILL');
            })
          : undefined;
      if (tick === 25) {
        const c3 = spawnChild(cluster.namesrvAddr, 'c3', lines);
        children.push(c3);
      }
      const plain = Array.from({ length: 20 }, (_, i) => `p-${tick}-${i}`).map(async (body) => {
        await producer.send({ topic: 'FAULT_PLAIN', body });
        ackedPlain.push(body);
      });
      // Per key one send at a time, so a key's messages are stored in sequence.
      const keyed = Array.from({ length: KEYS }, (_, k) => `key${k}`).map(async (key) => {
        for (let j = 0; j < 2; j++) {
          const seq = seqOf.get(key) ?? 0;
          seqOf.set(key, seq + 1);
          const body = `${key}:${seq}`;
          await producer.send({ topic: 'FAULT_ORDER', body }, { shardingKey: key });
          ackedOrdered.push(body);
        }
      });
      await Promise.all([...plain, ...keyed]);
      await killing;
      await new Promise((r) => setTimeout(r, 80));
    }

    const bodies = (g: string): Line[] => lines.filter((l) => l.t === 'msg' && l.g === g);
    const missing = (g: string, acked: string[]): string[] => {
      const seen = new Set(bodies(g).map((l) => l.body));
      return acked.filter((b) => !seen.has(b));
    };
    await eventually(() => (missing('GID_FAULT_PLAIN', ackedPlain).length === 0 && missing('GID_FAULT_ORDER', ackedOrdered).length === 0 ? true : undefined), 30_000, 200).catch(
      (err: unknown) => {
        throw new Error(
          `missing: plain ${missing('GID_FAULT_PLAIN', ackedPlain).length}, ordered ${missing('GID_FAULT_ORDER', ackedOrdered).length}`,
          { cause: err },
        );
      },
    );

    // Takeover: the first delivery by another process from a queue the killed one owned.
    const lastAssignment = lines.filter((l) => l.child === 'c0' && l.t === 'rebalanced' && l.topic === 'FAULT_PLAIN').at(-1)?.queues ?? [];
    const firstAfter = lines
      .filter((l) => l.t === 'msg' && l.g === 'GID_FAULT_PLAIN' && l.child !== 'c0' && lastAssignment.includes(l.q ?? '') && (l.ts ?? 0) >= killedAt)
      .map((l) => l.ts ?? 0)
      .sort((a, b) => a - b)[0];
    assert.ok(lastAssignment.length > 0, 'the killed consumer owned queues');
    assert.ok(firstAfter !== undefined, 'its queues were taken over');
    const takeoverMs = Math.round(firstAfter - killedAt);

    // Order: per key, the first delivery of message n comes after the first delivery of n - 1.
    const firstTs = new Map<string, number>();
    for (const l of bodies('GID_FAULT_ORDER')) if (!firstTs.has(l.body ?? '')) firstTs.set(l.body ?? '', l.ts ?? 0);
    const violations: string[] = [];
    for (const [key, count] of seqOf) {
      for (let s = 1; s < count; s++) {
        const prev = firstTs.get(`${key}:${s - 1}`);
        const cur = firstTs.get(`${key}:${s}`);
        if (prev === undefined || cur === undefined || cur < prev) violations.push(`${key}:${s}`);
      }
    }
    const overlaps = lines.filter((l) => l.t === 'overlap');
    const dupPlain = bodies('GID_FAULT_PLAIN').length - new Set(bodies('GID_FAULT_PLAIN').map((l) => l.body)).size;
    const dupOrdered = bodies('GID_FAULT_ORDER').length - new Set(bodies('GID_FAULT_ORDER').map((l) => l.body)).size;
    const per = (g: string): string => ['c0', 'c1', 'c2', 'c3'].map((c) => `${c}=${bodies(g).filter((l) => l.child === c).length}`).join(' ');
    process.stdout.write(
      `# failover: sent ${ackedPlain.length} plain + ${ackedOrdered.length} ordered; duplicates plain ${dupPlain}, ordered ${dupOrdered}; takeover ${takeoverMs} ms; plain ${per('GID_FAULT_PLAIN')}; ordered ${per('GID_FAULT_ORDER')}\n`,
    );
    for (const g of ['GID_FAULT_PLAIN', 'GID_FAULT_ORDER']) {
      assert.ok(bodies(g).some((l) => l.child === 'c0'), `the killed consumer took part in ${g}`);
      assert.ok(bodies(g).some((l) => l.child === 'c3'), `the fourth consumer took part in ${g}`);
    }
    assert.deepEqual(violations, []);
    assert.deepEqual(overlaps, []);
    // Bounded: at most what the killed process consumed since its last committed offset (commits every 500 ms).
    assert.ok(dupPlain + dupOrdered < ackedPlain.length / 2, `too many duplicates: ${dupPlain} + ${dupOrdered}`);
    assert.ok(takeoverMs < 10_000, `takeover took ${takeoverMs} ms`);
  } finally {
    await Promise.all(children.map((c) => stop(c, 'SIGTERM')));
    await producer.shutdown();
    await cluster.shutdown();
  }
});
