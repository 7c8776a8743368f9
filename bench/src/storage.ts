// W7 (restart after SIGKILL with a 4 GiB commit log) and W6 (broker RSS holding 10 M × 1 KiB):
// one broker, filled by the SDK, killed and restarted, then filled on to 10 M messages.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer } from '@contrail/client';
import type { RunSpec } from './run-one.js';
import { startContrail, stopProcess, type Server } from './servers.js';
import type { RunRecord } from './summary.js';

const GiB = 2 ** 30;

/** Bytes actually written in the commit log (its segments are sparse until filled). */
export function commitLogBytes(dataDir: string): number {
  const dir = join(dataDir, 'commitlog');
  let n = 0;
  try {
    for (const f of readdirSync(dir)) n += statSync(join(dir, f)).blocks * 512;
  } catch {
    return 0;
  }
  return n;
}

function rssMiB(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number((new RegExp(`${k}:\\s+(\\d+)`).exec(s) ?? [])[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

function fill(server: Server, stream: string, count: number, fresh: boolean, progress: (line: string) => void): Promise<Record<string, number>> {
  const spec: RunSpec = {
    workload: 'fill',
    target: { peer: 'contrail', port: server.port, namesrvPort: server.namesrvPort as number },
    stream,
    fresh,
    count,
    size: 1024,
    window: 4000,
  };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [new URL('./run-one.js', import.meta.url).pathname, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => {
      const m = /fill (\d+) (\d+)/.exec(b.toString());
      if (m) progress(`${Number(m[1]).toLocaleString('en-US')} / ${count.toLocaleString('en-US')} messages (${Number(m[2]).toLocaleString('en-US')} msgs/s)`);
    });
    p.once('exit', () => {
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as { ok: boolean; metrics?: Record<string, number>; error?: string };
        if (r.ok && r.metrics) resolve(r.metrics);
        else reject(new Error(r.error ?? 'fill failed'));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

async function firstAck(server: Server, stream: string): Promise<void> {
  const p = new Producer({ namesrvAddr: `127.0.0.1:${server.namesrvPort}`, producerGroup: 'bench_restart', clientIP: '127.0.0.1' });
  await p.start();
  try {
    for (;;) {
      try {
        await p.send({ topic: stream, body: Buffer.alloc(1024, 0x72) });
        return;
      } catch {
        await sleep(20);
      }
    }
  } finally {
    await p.shutdown();
  }
}

export interface StorageOptions {
  dataDir: string;
  logDir: string;
  messages: number;
  restartLogBytes: number;
  restarts: number;
  progress: (line: string) => void;
}

export async function storageWorkloads(o: StorageOptions): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const stream = 'bench_hold';
  let server = await startContrail({ dataDir: o.dataDir, logDir: o.logDir });
  const ports = { namesrvPort: server.namesrvPort as number, brokerPort: server.port };
  try {
    const first = Math.ceil(o.restartLogBytes / 1024);
    o.progress('W7: filling the commit log');
    await fill(server, stream, first, true, (l) => o.progress(`W7 fill: ${l}`));
    let written = first;
    while (commitLogBytes(o.dataDir) < o.restartLogBytes) {
      await fill(server, stream, 100_000, false, (l) => o.progress(`W7 fill: ${l}`));
      written += 100_000;
    }
    for (let rep = 1; rep <= o.restarts; rep++) {
      o.progress(`W7: SIGKILL and restart ${rep}/${o.restarts}`);
      await stopProcess(server.proc, 'SIGKILL');
      const t0 = Date.now();
      server = await startContrail({ dataDir: o.dataDir, logDir: o.logDir, ...ports });
      const ready = Date.now() - t0;
      await firstAck(server, stream);
      written++;
      records.push({
        peer: 'contrail',
        workload: 'w7',
        rep,
        metrics: { log_gib: Math.round((commitLogBytes(o.dataDir) / GiB) * 100) / 100, ready_s: ready / 1000, first_ack_s: (Date.now() - t0) / 1000 },
      });
    }
    o.progress('W6: filling to the full message count');
    const rest = o.messages - written;
    const t0 = Date.now();
    if (rest > 0) await fill(server, stream, rest, false, (l) => o.progress(`W6 fill: ${l}`));
    const fillRate = rest > 0 ? Math.round(rest / ((Date.now() - t0) / 1000)) : NaN;
    await sleep(5000);
    const mem = rssMiB(server.proc.pid as number);
    records.push({
      peer: 'contrail',
      workload: 'w6',
      rep: 1,
      metrics: {
        messages: Math.max(written, o.messages),
        log_gib: Math.round((commitLogBytes(o.dataDir) / GiB) * 100) / 100,
        rss_mib: mem.rss,
        hwm_mib: mem.hwm,
        fill_msgs_per_s: fillRate,
      },
    });
  } finally {
    await stopProcess(server.proc);
  }
  return records;
}
