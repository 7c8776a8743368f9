// The contrail command as a user runs it: a child process per invocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/contrail.js', import.meta.url).pathname;

/** The environment a user's shell would give: without the test runner's own markers. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: userEnv(env), timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts a long-running subcommand and resolves once `pattern` shows up in its output. */
async function startUntil(args: string[], pattern: RegExp, asProgram = false, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const child = asProgram
    ? spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: userEnv(env) })
    : spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${pattern} in: ${out}`));
    }, 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

test('--help works on every command', () => {
  for (const args of [['--help'], ['start', '--help'], ['namesrv', '--help'], ['broker', '--help'], ['topic', '--help'], ['message', 'send', '--help'], ['cluster', '--help'], ['group', 'progress', '--help']]) {
    const r = run(args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: contrail/);
  }
});

test('bad flags: one clear line, non-zero exit', () => {
  const r = run(['namesrv', '--port', 'abc']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a port number/);
  const unknown = run(['start', '--no-such-flag']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown option/);
});

test('broker: a bad broker.conf value fails with CONFIG_INVALID', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-cli-'));
  try {
    const conf = join(dir, 'broker.conf');
    await writeFile(conf, 'brokerName=broker-x\nlistenPort=notaport\n');
    const r = run(['broker', '-c', conf]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /CONFIG_INVALID.*listenPort/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('namesrv: a taken port is a one-line error; SIGTERM stops cleanly', async () => {
  const port = await freePort();
  const { child } = await startUntil(['namesrv', '--host', '127.0.0.1', '--port', String(port)], /ready/);
  try {
    const second = run(['namesrv', '--host', '127.0.0.1', '--port', String(port)]);
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, /address already in use/);
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test('run as a program, the command re-executes itself in node with the servers\' V8 settings and CONTRAIL_NODE_FLAGS, in the same process', { skip: process.platform !== 'linux' }, async () => {
  const port = await freePort();
  const { child } = await startUntil(['namesrv', '--host', '127.0.0.1', '--port', String(port)], /ready/, true, {
    CONTRAIL_NODE_FLAGS: '--stack-trace-limit=17 --no-warnings',
  });
  try {
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    assert.match(argv[0] ?? '', /(^|\/)node$/, 'the spawned PID is node itself (exec), so stopping it by PID stops the server');
    assert.ok(argv.includes('--incremental-marking-soft-trigger=80'), argv.join(' '));
    assert.ok(argv.includes('--incremental-marking-hard-trigger=90'), argv.join(' '));
    assert.ok(argv.includes('--initial-old-space-size=64'), argv.join(' '));
    assert.ok(argv.includes('--expose-gc'), argv.join(' '));
    assert.ok(argv.includes('--stack-trace-limit=17') && argv.includes('--no-warnings'), 'CONTRAIL_NODE_FLAGS is added, split at spaces');
    assert.ok(argv.indexOf('--no-warnings') < argv.indexOf(BIN) && argv.includes('namesrv'), argv.join(' '));
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test('start prints ready, serves topic and message commands, stops on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-cli-'));
  const [nsPort, brokerPort, metricsPort, dashboardPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const { child, output } = await startUntil(
    [
      'start',
      '--data-dir',
      join(dir, 'data'),
      '--namesrv-port',
      String(nsPort),
      '--broker-port',
      String(brokerPort),
      '--grpc-port',
      '0',
      '--metrics-port',
      String(metricsPort),
      '--dashboard-port',
      String(dashboardPort),
    ],
    /Contrail ready/,
  );
  assert.match(output(), new RegExp(`metrics http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
  assert.match(output(), new RegExp(`dashboard http://127\\.0\\.0\\.1:${dashboardPort}/`));
  try {
    const env = { NAMESRV_ADDR: `127.0.0.1:${nsPort}` };
    assert.equal(run(['topic', 'create', 'CliTopic', '-q', '2'], env).status, 0);
    assert.match(run(['topic', 'list'], env).stdout, /^CliTopic$/m);
    const sent = run(['message', 'send', 'CliTopic', 'hello cli', '-t', 'TagA', '-k', 'cli-key'], env);
    assert.equal(sent.status, 0, sent.stderr);
    const result = JSON.parse(sent.stdout) as { status: string; offsetMsgId: string };
    assert.equal(result.status, 'SEND_OK');
    const viewed = JSON.parse(run(['message', 'view', result.offsetMsgId], env).stdout) as { body: string; tags: string };
    assert.deepEqual([viewed.body, viewed.tags], ['hello cli', 'TagA']);
    const missing = run(['topic', 'route', 'NoSuchTopic'], env);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /TOPIC_NOT_EXIST/);

    // Inspection, as mqadmin's clusterList, getBrokerConfig, topicStatus and consumerProgress.
    const brokers = JSON.parse(run(['cluster', 'list', '--json'], env).stdout) as { brokerName: string; addr: string; runtime?: { topicCount?: string } }[];
    assert.equal(brokers.length, 1);
    assert.equal(brokers[0]?.addr, `127.0.0.1:${brokerPort}`);
    assert.ok(Number(brokers[0]?.runtime?.topicCount) >= 1);
    assert.match(run(['cluster', 'list'], env).stdout, /^cluster +broker +id +address/);
    assert.match(run(['cluster', 'config', brokers[0]?.brokerName ?? ''], env).stdout, new RegExp(`^listenPort=${brokerPort}$`, 'm'));
    const status = JSON.parse(run(['topic', 'status', 'CliTopic', '--json'], env).stdout) as { maxOffset: number }[];
    assert.deepEqual([status.length, status.reduce((n, q) => n + q.maxOffset, 0)], [2, 1]);
    const progress = run(['group', 'progress', 'GID_CLI', '-t', 'CliTopic'], env);
    assert.equal(progress.status, 0, progress.stderr);
    assert.match(progress.stdout, /^total lag: 1$/m);
    const noGroup = run(['group', 'progress', 'GID_NOBODY'], env);
    assert.equal(noGroup.status, 1);
    assert.match(noGroup.stderr, /^contrail: SUBSCRIPTION_GROUP_NOT_EXIST: .*--topic/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^rocketmq_messages_in_total\{[^}]*topic="CliTopic"[^}]*\} 1$/m);
    const dash = (await (await fetch(`http://127.0.0.1:${dashboardPort}/api/topics/CliTopic`)).json()) as { messages: number };
    assert.equal(dash.messages, 1);
    // The dashboard alone, for the same NameServer; a second one on its port is a one-line error.
    const alonePort = await freePort();
    const alone = await startUntil(['dashboard', '-n', `127.0.0.1:${nsPort}`, '-p', String(alonePort)], /Dashboard ready/);
    try {
      const cluster = (await (await fetch(`http://127.0.0.1:${alonePort}/api/cluster`)).json()) as { brokers: { addr: string }[] };
      assert.deepEqual(cluster.brokers.map((b) => b.addr), [`127.0.0.1:${brokerPort}`]);
      const taken = run(['dashboard', '-n', `127.0.0.1:${nsPort}`, '-p', String(alonePort)]);
      assert.equal(taken.status, 1);
      assert.match(taken.stderr, /cannot start the dashboard .*address already in use/);
    } finally {
      assert.equal(await stop(alone.child), 0);
    }
    const noBroker = run(['cluster', 'config', 'broker-zz'], env);
    assert.equal(noBroker.status, 1);
    assert.match(noBroker.stderr, /^contrail: ROUTE_NOT_FOUND: broker broker-zz/);
  } finally {
    assert.equal(await stop(child), 0);
    await rm(dir, { recursive: true, force: true });
  }
});
