// `npm run bench [-- --quick] [--reps N] [--profile] [--no-storage]`: Contrail against NATS
// JetStream and Redis Streams (W1–W4, interleaved in one run), SYNC_FLUSH against RabbitMQ
// quorum queues (W5), and the broker's memory and restart time (W6, W7; full run only).
// Writes bench/results/<stamp>.{json,md,svg} and latest.*; the last stdout line is the ratios.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerName, Target } from './drivers/driver.js';
import { measureFloor } from './floor.js';
import { fdatasyncRate, machineInfo } from './machine.js';
import { Progress } from './progress.js';
import { waitForQuiet } from './quiet.js';
import { checkTargets, markdown, svgChart, type BenchResult } from './report.js';
import type { RunOutput, RunSpec, WorkloadName } from './run-one.js';
import {
  contrailLauncher,
  ensureDebianPackages,
  removeDir,
  startContrail,
  startNats,
  startRabbit,
  startRedis,
  stopServer,
  type Server,
} from './servers.js';
import { storageWorkloads } from './storage.js';
import { ratios, summarize, type RunRecord } from './summary.js';
import { fmtNum } from './report.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-storage': { type: 'boolean', default: false },
    'no-w5': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    messages: { type: 'string' },
  },
});

const quick = args.quick === true;
const reps = Number(args.reps ?? 3);
const P = quick
  ? { w1Count: 100_000, warmupCount: 20_000, w3Count: 3000, w3Warmup: 300, w4Count: 15_000, w5Ms: 0, size: 1024, window: 1000, rate: 10_000 }
  : { w1Count: 200_000, warmupCount: 50_000, w3Count: 20_000, w3Warmup: 500, w4Count: 100_000, w5Ms: 10_000, size: 1024, window: 1000, rate: 10_000 };
const LABEL: Record<string, string> = { w1: 'W1 produce', w2: 'W2 consume', w3: 'W3 sync send', w4: 'W4 end-to-end', w5: 'W5 64 sync producers', w5s: 'W5 64 senders, 1 producer' };

const benchDir = new URL('../../', import.meta.url).pathname;
const resultsDir = join(benchDir, 'results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
const profileDir = join(resultsDir, 'profiles', stamp);
const progress = new Progress();
const work = mkdtempSync(join(tmpdir(), 'contrail-bench-'));
const started: Server[] = [];
const records: RunRecord[] = [];
const missing: string[] = [];

function targetOf(s: Server): Target {
  return { peer: s.name as PeerName, port: s.port, ...(s.namesrvPort !== undefined ? { namesrvPort: s.namesrvPort } : {}) };
}

function runOne(spec: RunSpec, label: string): Promise<RunOutput> {
  const flags = args.profile && spec.target.peer === 'contrail' ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, `client-${spec.workload}`)] : [];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...flags, new URL('./run-one.js', import.meta.url).pathname, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 180_000);
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    progress.status(`${label} …`);
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as RunOutput);
      } catch {
        resolve({ ok: false, error: `exit ${code ?? signal}: ${err.slice(-400)}` });
      }
    });
  });
}

function describe(workload: string, m: Record<string, number>): string {
  if (workload === 'w1' || workload === 'w2' || workload === 'w5' || workload === 'w5s') return `${fmtNum(m.msgs_per_s ?? NaN)} msgs/s`;
  return `p50 ${fmtNum(m.p50_us ?? NaN)} µs, p99 ${fmtNum(m.p99_us ?? NaN)} µs`;
}

/**
 * One unrecorded W1 and W2 per server before the first rep, so that rep 1 does not measure a
 * server whose code paths have never run (V8 compiles the broker's send and pull paths on
 * first use; JetStream's first run of a batch was the slowest in the peers' own report too).
 */
async function warmUp(servers: Server[], run: string): Promise<void> {
  for (const s of servers) {
    const stream = `bench_${run}_warmup`;
    for (const workload of ['w1', 'w2'] as const) {
      const spec: RunSpec = { workload, target: targetOf(s), stream, fresh: workload === 'w1', count: P.warmupCount, size: P.size, window: P.window };
      const r = await runOne(spec, `warm-up ${(LABEL[workload] ?? workload).padEnd(20)} ${s.name.padEnd(16)}`);
      if (!r.ok) progress.line(`warm-up ${workload} ${s.name} FAILED ${r.error.split('\n')[0]}`);
    }
  }
}

async function measure(workload: WorkloadName, server: Server, rep: number, spec: Partial<RunSpec> & { stream: string }): Promise<void> {
  const label = `rep ${rep}/${reps} ${(LABEL[workload] ?? workload).padEnd(20)} ${server.name.padEnd(16)}`;
  const full: RunSpec = { workload, target: targetOf(server), fresh: true, count: P.w1Count, size: P.size, window: P.window, ...spec };
  const q = await waitForQuiet();
  if (!q.quiet || q.waitedMs > 1000) {
    progress.line(`${label} waited ${(q.waitedMs / 1000).toFixed(1)} s for the machine to go quiet${q.quiet ? '' : `; still ${Math.round((1 - q.idleShare) * 100)} % busy, measuring anyway`}`);
  }
  const r = await runOne(full, label);
  if (r.ok) {
    records.push({ peer: server.name, workload, rep, metrics: r.metrics });
    progress.line(`${label} ${describe(workload, r.metrics)}`);
  } else {
    records.push({ peer: server.name, workload, rep, error: r.error });
    progress.line(`${label} FAILED ${r.error.split('\n')[0]}`);
  }
}

async function start<T extends Server>(what: string, f: () => Promise<T>): Promise<T | undefined> {
  progress.status(`starting ${what}`);
  try {
    const s = await f();
    started.push(s);
    progress.line(`${what} on 127.0.0.1:${s.port} (${s.startMs} ms)`);
    return s;
  } catch (err) {
    missing.push(`${what} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    progress.line(`${what} did not start: ${String(err)}`);
    return undefined;
  }
}

async function peerRuns(): Promise<void> {
  const servers: Server[] = [];
  const c = await start('contrail', () =>
    startContrail({
      dataDir: join(work, 'contrail'),
      logDir: work,
      ...(args.profile ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'broker')] } : {}),
    }),
  );
  if (c) servers.push(c);
  const n = await start('jetstream', () => startNats(work));
  if (n) servers.push(n);
  const r = await start('redis', () => startRedis(work));
  if (r) servers.push(r);
  const run = Date.now().toString(36);
  await warmUp(servers, run);
  for (let rep = 1; rep <= reps; rep++) {
    // Rotate who goes first: the first run after a pause tends to differ.
    const order = servers.map((_, i) => servers[(i + rep - 1) % servers.length] as Server);
    const produced = `bench_${run}_r${rep}`;
    for (const s of order) await measure('w1', s, rep, { stream: produced });
    for (const s of order) await measure('w2', s, rep, { stream: produced, fresh: false });
    for (const s of order) await measure('w3', s, rep, { stream: `bench_${run}_r${rep}_w3`, count: P.w3Count, warmup: P.w3Warmup });
    for (const s of order) await measure('w4', s, rep, { stream: `bench_${run}_r${rep}_w4`, count: P.w4Count, rate: P.rate });
  }
  for (const s of servers) {
    await stopServer(s);
    started.splice(started.indexOf(s), 1);
  }
}

async function syncFlushRuns(): Promise<void> {
  const servers: Server[] = [];
  const c = await start('contrail SYNC_FLUSH', () => startContrail({ dataDir: join(work, 'contrail-sync'), logDir: work, flushDiskType: 'SYNC_FLUSH' }));
  if (c) servers.push(c);
  const notInstalled = ensureDebianPackages([{ cmd: 'rabbitmq-server', pkg: 'rabbitmq-server' }], (s) => progress.line(s));
  if (notInstalled.length > 0) missing.push('RabbitMQ quorum (rabbitmq-server could not be installed)');
  else {
    const rq = await start('rabbitmq-quorum', () => startRabbit(work));
    if (rq) servers.push(rq);
  }
  for (let rep = 1; rep <= reps; rep++) {
    const shapes: [WorkloadName, Partial<RunSpec> & { stream: string }][] = [
      ['w5s', { stream: `bench_sync_r${rep}_s`, producers: 64, clients: 1, durationMs: P.w5Ms, count: 0 }],
      ['w5', { stream: `bench_sync_r${rep}`, producers: 64, durationMs: P.w5Ms, count: 0 }],
    ];
    // Servers and the two shapes both take turns going first, rep by rep.
    const odd = rep % 2 === 1;
    for (const s of odd ? servers : [...servers].reverse()) {
      for (const [w, spec] of odd ? shapes : [...shapes].reverse()) await measure(w, s, rep, spec);
    }
  }
  for (const s of servers) {
    await stopServer(s);
    started.splice(started.indexOf(s), 1);
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  progress.line(`${quick ? 'quick' : 'full'} run, ${reps} reps, ${machine.cores} cores, load ${machine.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}; data in ${work}`);
  const notInstalled = ensureDebianPackages(
    [
      { cmd: 'nats-server', pkg: 'nats-server' },
      { cmd: 'redis-server', pkg: 'redis-server' },
    ],
    (s) => progress.line(s),
  );
  for (const p of notInstalled) missing.push(`${p} (not installable)`);
  const fs = fdatasyncRate(work, quick ? 1000 : 3000);
  machine.fdatasyncPerSec = fs.perSec;
  machine.fdatasyncP50Us = fs.p50Us;
  progress.line(`disk: ${fmtNum(fs.perSec)} fdatasyncs/s (4 KiB, one at a time), p50 ${fs.p50Us} µs`);
  Object.assign(machine.versions, machineInfo().versions);
  progress.status('loopback floor …');
  machine.floor = await measureFloor(quick);
  progress.line(
    `loopback floor: one at a time p50 ${machine.floor.sync_p50_us} µs, p99 ${machine.floor.sync_p99_us} µs; at 10 k/s p99 ${machine.floor.paced_p99_us} µs; 64 connections ${fmtNum(machine.floor.conns64_rt_per_s ?? NaN)} round trips/s`,
  );

  await peerRuns();
  if (!quick && !args['no-w5']) await syncFlushRuns();
  else missing.push('W5 (full run only)');
  if (!quick && !args['no-storage']) {
    const messages = Number(args.messages ?? 10_000_000);
    records.push(
      ...(await storageWorkloads({
        dataDir: join(work, 'contrail-hold'),
        logDir: work,
        messages,
        restartLogBytes: 4 * 2 ** 30,
        restarts: 3,
        progress: (s) => progress.status(s),
      })),
    );
    for (const r of records.filter((x) => x.workload === 'w6' || x.workload === 'w7')) progress.line(`${r.workload} ${JSON.stringify(r.metrics)}`);
  } else missing.push('W6 and W7 (full run only)');

  const rows = summarize(records);
  const rt = ratios(rows);
  const result: BenchResult = {
    mode: quick ? 'quick' : 'full',
    reps,
    machine,
    launcher: contrailLauncher() === 'cli' ? '`contrail start`' : 'bench/src/contrail-server.ts (NameServer + broker, the flags of `contrail start`)',
    params: { ...P },
    rows,
    ratios: rt,
    targets: checkTargets(rows, rt, machine.fdatasyncPerSec),
    missing,
    elapsedS: Math.round(progress.elapsedS),
  };
  mkdirSync(resultsDir, { recursive: true });
  const base = join(resultsDir, `${stamp}-${result.mode}`);
  writeFileSync(`${base}.json`, `${JSON.stringify({ ...result, records }, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(result));
  writeFileSync(`${base}.svg`, svgChart(result));
  for (const ext of ['json', 'md', 'svg']) copyFileSync(`${base}.${ext}`, join(resultsDir, `latest-${result.mode}.${ext}`));
  progress.line(`wrote ${base}.{json,md,svg} in ${result.elapsedS} s`);
  process.stdout.write(`${JSON.stringify(rt)}\n`);
}

async function cleanup(): Promise<void> {
  for (const s of started.splice(0)) await stopServer(s).catch(() => undefined);
  if (!args['keep-data']) removeDir(work);
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    progress.line(`${sig}: stopping the servers`);
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    progress.line(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!interrupted) void cleanup();
  });
