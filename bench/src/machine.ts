// What the run was measured on: CPU, memory, kernel, versions, and this disk's fdatasync rate.
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { LatencyHistogram } from './histogram.js';
import type { Machine } from './report.js';
import { REPO_ROOT } from './servers.js';

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0]?.trim() || 'not installed';
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

export function machineInfo(): Machine {
  const rabbit = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'rabbitmq-server'], { encoding: 'utf8' });
  const commit = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model.trim() ?? '?',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAvgAtStart: loadavg(),
    versions: {
      contrail: commit || '?',
      'nats-server': firstLine('nats-server', ['--version']).replace(/^nats-server:\s*/, ''),
      'redis-server': (/v=(\S+)/.exec(firstLine('redis-server', ['--version'])) ?? [])[1] ?? 'not installed',
      'rabbitmq-server': rabbit.status === 0 && rabbit.stdout ? rabbit.stdout : 'not installed',
      'nats.js': pkgVersion('nats'),
      ioredis: pkgVersion('ioredis'),
      amqplib: pkgVersion('amqplib'),
    },
  };
}

/** 4 KiB write + fdatasync, one after the other, for `ms`: the one-sync-per-message rate. */
export function fdatasyncRate(dir: string, ms: number): { perSec: number; p50Us: number } {
  const file = join(dir, 'fsync-probe.bin');
  const fd = openSync(file, 'w');
  const buf = Buffer.alloc(4096, 0x5a);
  const h = new LatencyHistogram();
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(ms) * 1_000_000n;
  let n = 0;
  let pos = 0;
  while (process.hrtime.bigint() < end) {
    const t = process.hrtime.bigint();
    writeSync(fd, buf, 0, buf.length, pos);
    fdatasyncSync(fd);
    h.recordNs(Number(process.hrtime.bigint() - t));
    pos = (pos + buf.length) % (64 * 1024 * 1024);
    n++;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  rmSync(file, { force: true });
  return { perSec: Math.round(n / secs), p50Us: h.summary().p50_us };
}
