// Starts the servers under test on 127.0.0.1 ports of their own, with data in a temp directory,
// and stops exactly the processes it started (by their own PIDs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

export interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  namesrvPort?: number;
  /** Extra processes to stop after the main one (RabbitMQ's epmd). */
  helpers: ChildProcess[];
  /** ms from spawn until it accepted connections. */
  startMs: number;
}

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
/** Installs Debian packages that are missing; false when that is impossible. */
export function ensureDebianPackages(pkgs: { cmd: string; pkg: string }[], log: (s: string) => void): string[] {
  const missing = pkgs.filter((p) => !has(p.cmd) && !(p.pkg === 'rabbitmq-server' && existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')));
  if (missing.length === 0) return [];
  const names = missing.map((p) => p.pkg);
  log(`installing ${names.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    aptUpdated = true;
  }
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { stdio: 'ignore', env });
  return missing.filter((p) => !has(p.cmd) && !existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')).map((p) => p.pkg);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitPort(port: number, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc !== undefined && proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

function logFile(dir: string, name: string): number {
  return openSync(join(dir, `${name}.log`), 'a');
}

export async function startNats(dir: string): Promise<Server> {
  const port = await freePort();
  const data = join(dir, 'nats');
  mkdirSync(data, { recursive: true });
  const t0 = Date.now();
  const log = logFile(dir, 'nats');
  const proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', data], { stdio: ['ignore', log, log] });
  await waitPort(port, 20_000, proc);
  return { name: 'jetstream', proc, port, helpers: [], startMs: Date.now() - t0 };
}

export async function startRedis(dir: string): Promise<Server> {
  const port = await freePort();
  const data = join(dir, 'redis');
  mkdirSync(data, { recursive: true });
  const t0 = Date.now();
  const log = logFile(dir, 'redis');
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', data, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no'];
  const proc = spawn('redis-server', args, { stdio: ['ignore', log, log] });
  await waitPort(port, 20_000, proc);
  return { name: 'redis', proc, port, helpers: [], startMs: Date.now() - t0 };
}

/** RabbitMQ with its own epmd and distribution port on 127.0.0.1 and a private cookie. */
export async function startRabbit(dir: string): Promise<Server> {
  const [port, epmdPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const base = join(dir, 'rabbit');
  const home = join(base, 'home');
  mkdirSync(join(base, 'mnesia'), { recursive: true });
  mkdirSync(home, { recursive: true });
  const cookie = join(home, '.erlang.cookie');
  writeFileSync(cookie, randomBytes(20).toString('hex'));
  chmodSync(cookie, 0o400);
  writeFileSync(join(base, 'enabled_plugins'), '[].\n');
  writeFileSync(
    join(base, 'rabbitmq.conf'),
    [`listeners.tcp.default = 127.0.0.1:${port}`, 'disk_free_limit.absolute = 1GB', 'log.console = false', 'log.file.level = warning', ''].join('\n'),
  );
  const erlArgs = '-kernel inet_dist_use_interface {127,0,0,1}';
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: `contrailbench${process.pid}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: join(base, 'log'),
    RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: erlArgs,
    RABBITMQ_CTL_ERL_ARGS: erlArgs,
  };
  const t0 = Date.now();
  const log = logFile(dir, 'rabbit');
  const epmd = spawn('epmd', ['-address', '127.0.0.1', '-port', String(epmdPort)], { stdio: ['ignore', log, log], env });
  await waitPort(epmdPort, 10_000, epmd);
  const proc = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { stdio: ['ignore', log, log], env });
  try {
    await waitPort(port, 120_000, proc);
  } catch (err) {
    await stopProcess(proc);
    await stopProcess(epmd);
    throw err;
  }
  return { name: 'rabbitmq-quorum', proc, port, helpers: [epmd], startMs: Date.now() - t0 };
}

export interface ContrailStart {
  dataDir: string;
  logDir: string;
  flushDiskType?: 'ASYNC_FLUSH' | 'SYNC_FLUSH';
  namesrvPort?: number;
  brokerPort?: number;
  /** Extra node flags for the server process (--cpu-prof ...). */
  nodeFlags?: string[];
}

const CLI = join(REPO_ROOT, 'apps/cli/bin/contrail.js');
const CLI_START = join(REPO_ROOT, 'apps/cli/dist/src/commands/start.js');
const EMBEDDED = new URL('./contrail-server.js', import.meta.url).pathname;

/** The node flags on the CLI's launcher line (`exec node <flags> $CONTRAIL_NODE_FLAGS ...`). */
export function launcherFlags(): string[] {
  const m = /exec node (.*?) \$CONTRAIL_NODE_FLAGS/.exec(readFileSync(CLI, 'utf8'));
  if (m === null) throw new Error(`${CLI}: no launcher line`);
  return (m[1] as string).split(' ').filter((f) => f !== '');
}

/** `contrail start` when the CLI has it, else the same NameServer + broker from contrail-server.js. */
export function contrailLauncher(): 'cli' | 'embedded' {
  return existsSync(CLI) && existsSync(CLI_START) ? 'cli' : 'embedded';
}

export async function startContrail(o: ContrailStart): Promise<Server> {
  const namesrvPort = o.namesrvPort ?? (await freePort());
  const port = o.brokerPort ?? (await freePort());
  mkdirSync(o.dataDir, { recursive: true });
  const flags = ['--data-dir', o.dataDir, '--namesrv-port', String(namesrvPort), '--broker-port', String(port)];
  if (o.flushDiskType !== undefined) flags.push('--flush-disk-type', o.flushDiskType);
  // The metrics and dashboard as `contrail start` serves them, on free ports, so no fixed port can clash.
  if (contrailLauncher() === 'cli') flags.push('--metrics-port', '0', '--dashboard-port', '0');
  const t0 = Date.now();
  const log = logFile(o.logDir, 'contrail');
  const env = { ...process.env, CONTRAIL_LOG_LEVEL: process.env.CONTRAIL_LOG_LEVEL ?? 'warn' };
  const stdio: ['ignore', number, 'pipe'] = ['ignore', log, 'pipe'];
  let proc: ChildProcess;
  if (contrailLauncher() === 'cli') {
    // With the node flags the CLI's launcher line gives `npx contrail start`, on this node.
    proc = spawn(process.execPath, [...launcherFlags(), ...(o.nodeFlags ?? []), CLI, 'start', ...flags], { stdio, env });
  } else {
    proc = spawn(process.execPath, [...(o.nodeFlags ?? []), EMBEDDED, ...flags], { stdio, env });
  }
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`contrail did not start in 60 s: ${text.slice(-500)}`)), 60_000);
    proc.stderr?.on('data', (b: Buffer) => {
      text += b.toString();
      if (/ready/i.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`contrail exited with ${code}: ${text.slice(-500)}`));
    });
  });
  proc.stderr?.resume();
  await waitPort(port, 10_000, proc);
  return { name: 'contrail', proc, port, namesrvPort, helpers: [], startMs: Date.now() - t0 };
}

export async function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill(signal);
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    p.kill('SIGKILL');
    await exited;
  }
}

export async function stopServer(s: Server): Promise<void> {
  await stopProcess(s.proc);
  for (const h of s.helpers) await stopProcess(h);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
