// One workload against one server, in a process of its own (so every run starts with a cold
// client and no garbage from the run before). Spec: JSON in argv[2]. Prints one JSON line.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Driver, Target } from './drivers/driver.js';
import { openDriver } from './drivers/open-driver.js';
import { E2eCollector, concurrentSyncSend, consume, pacedProduce, produce, syncSend, type Metrics } from './workloads.js';

export type WorkloadName = 'w1' | 'w2' | 'w3' | 'w4' | 'w5' | 'w5s' | 'fill';

export interface RunSpec {
  workload: WorkloadName | 'w4c';
  target: Target;
  stream: string;
  fresh: boolean;
  count: number;
  size: number;
  window?: number;
  rate?: number;
  warmup?: number;
  durationMs?: number;
  /** W5: concurrent senders, each with one send in flight. */
  producers?: number;
  /** W5: clients the senders are spread over (default: one each). */
  clients?: number;
}

export type RunOutput = { ok: true; metrics: Metrics } | { ok: false; error: string };

type FromConsumer = { ready: true } | { summary: Metrics } | { error: string };

async function e2e(spec: RunSpec, d: Driver): Promise<Metrics> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify({ ...spec, workload: 'w4c', fresh: false })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: process.execArgv,
  });
  const inbox: FromConsumer[] = [];
  let wake: (() => void) | undefined;
  const push = (m: FromConsumer): void => {
    inbox.push(m);
    wake?.();
  };
  child.on('message', (m) => push(m as FromConsumer));
  child.on('exit', (code) => push({ error: `consumer exited with ${code}` }));
  const next = async (): Promise<FromConsumer> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    return inbox.shift() as FromConsumer;
  };
  const ready = await next();
  if (!('ready' in ready)) throw new Error(`consumer failed: ${JSON.stringify(ready)}`);
  const produced = await pacedProduce(d, spec.count, spec.rate ?? 10_000, spec.size, spec.window ?? 1000);
  const stopTimer = setTimeout(() => child.send({ stop: true }), 10_000);
  const res = await next();
  clearTimeout(stopTimer);
  if (!('summary' in res)) throw new Error(`consumer failed: ${JSON.stringify(res)}`);
  return { ...res.summary, ...produced };
}

async function e2eConsumer(spec: RunSpec): Promise<void> {
  const d = await openDriver(spec.target, spec.stream, false);
  const col = new E2eCollector();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const stop = await d.subscribeNew((b) => {
    col.record(b);
    if (col.received === spec.count) finish();
  });
  process.on('message', () => finish());
  process.send?.({ ready: true });
  await finished;
  const s = col.fromSend.summary();
  const p = col.fromPlan.summary();
  const summary: Metrics = {
    received: col.received,
    p50_us: s.p50_us,
    p90_us: s.p90_us,
    p99_us: s.p99_us,
    p999_us: s.p999_us,
    max_us: s.max_us,
    planned_p50_us: p.p50_us,
    planned_p99_us: p.p99_us,
  };
  await stop();
  await d.close().catch(() => undefined);
  process.send?.({ summary }, () => process.exit(0));
}

async function fill(spec: RunSpec, d: Driver): Promise<Metrics> {
  const chunk = 200_000;
  let done = 0;
  const t0 = Date.now();
  let last: Metrics = {};
  while (done < spec.count) {
    const n = Math.min(chunk, spec.count - done);
    last = await produce(d, n, spec.size, spec.window ?? 4000);
    done += n;
    process.stderr.write(`fill ${done} ${last.msgs_per_s}\n`);
  }
  return { n: done, secs: (Date.now() - t0) / 1000, last_msgs_per_s: last.msgs_per_s ?? 0 };
}

async function run(spec: RunSpec): Promise<Metrics> {
  if (spec.workload === 'w5' || spec.workload === 'w5s') {
    const senders = spec.producers ?? 64;
    const clients: Driver[] = [];
    for (let i = 0; i < Math.max(1, Math.min(senders, spec.clients ?? senders)); i++) clients.push(await openDriver(spec.target, spec.stream, spec.fresh && i === 0));
    try {
      const drivers = Array.from({ length: senders }, (_, i) => clients[i % clients.length] as Driver);
      const m = await concurrentSyncSend(drivers, spec.durationMs ?? 5000, spec.size);
      // W5's two shapes run one after the other on the same server: each starts empty.
      await clients[0]?.drop?.();
      return { ...m, clients: clients.length };
    } finally {
      await Promise.all(clients.map((d) => d.close().catch(() => undefined)));
    }
  }
  const d = await openDriver(spec.target, spec.stream, spec.fresh);
  try {
    switch (spec.workload) {
      case 'w1':
        return await produce(d, spec.count, spec.size, spec.window ?? 1000);
      case 'w2':
        return await consume(d, spec.count);
      case 'w3':
        return { ...(await syncSend(d, spec.count, spec.size, spec.warmup ?? 500)) };
      case 'w4':
        return await e2e(spec, d);
      case 'fill':
        return await fill(spec, d);
      default:
        throw new Error(`unknown workload ${spec.workload}`);
    }
  } finally {
    await d.close().catch(() => undefined);
  }
}

const arg = process.argv[2];
if (arg !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(arg) as RunSpec;
  if (spec.workload === 'w4c') {
    e2eConsumer(spec).catch((err: unknown) => {
      process.send?.({ error: String(err instanceof Error ? err.stack : err) });
      process.exit(1);
    });
  } else {
    run(spec).then(
      (metrics) => {
        process.stdout.write(`${JSON.stringify({ ok: true, metrics } satisfies RunOutput)}\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stdout.write(`${JSON.stringify({ ok: false, error: String(err instanceof Error ? err.stack : err) } satisfies RunOutput)}\n`);
        process.exit(1);
      },
    );
  }
}
