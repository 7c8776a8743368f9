// The loopback floor: a plain Node.js echo of 1 KiB between two processes on this machine,
// with nothing else in the path. W3 and W4 cannot do better than these round trips, so their
// figures are read against them (a VM's wake-up latency shows here first). The shape of W5
// with 64 producer clients (64 connections, one request in flight on each) is measured too: its
// round trips per second are the most any server could acknowledge to 64 separate connections
// here, before doing any work.
// `node floor.js server` is the echo side, run in a child process of its own.
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { nowNs, sinceNs } from './clock.js';
import { LatencyHistogram } from './histogram.js';

export interface Floor {
  /** One message at a time, each reply awaited (W3's shape). */
  sync_p50_us: number;
  sync_p99_us: number;
  /** 10 k msgs/s on a ~1 ms timer, replies not awaited (W4's rate and pacing). */
  paced_p50_us: number;
  paced_p99_us: number;
  /** 64 connections, one request in flight on each, replies awaited (W5's shape with 64 producer clients). */
  conns64_rt_per_s?: number;
  /** CPU of client and echo server together per round trip, µs. */
  conns64_cpu_us_per_rt?: number;
}

const SIZE = 1024;

function echoServer(): void {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => s.write(d));
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as net.AddressInfo).port }));
  // The parent asks for this process's CPU time around the 64-connection run.
  process.on('message', () => process.send?.({ cpuUs: cpuUs() }));
  process.on('disconnect', () => process.exit(0));
}

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Calls onReply(n) for every n whole replies that arrive. */
function replies(s: net.Socket, onReply: (n: number) => void): void {
  let carry = 0;
  s.on('data', (d: Buffer) => {
    const total = carry + d.length;
    carry = total % SIZE;
    const n = Math.floor(total / SIZE);
    if (n > 0) onReply(n);
  });
}

async function syncRtt(port: number, count: number, warmup: number): Promise<LatencyHistogram> {
  const s = await connect(port);
  const h = new LatencyHistogram();
  const body = Buffer.alloc(SIZE, 0x66);
  await new Promise<void>((resolve) => {
    let i = 0;
    let t = nowNs();
    const send = (): void => {
      t = nowNs();
      s.write(body);
    };
    replies(s, () => {
      if (i++ >= warmup) h.recordNs(sinceNs(t));
      if (i < count + warmup) send();
      else resolve();
    });
    send();
  });
  s.destroy();
  return h;
}

async function pacedRtt(port: number, count: number, rate: number): Promise<LatencyHistogram> {
  const s = await connect(port);
  const h = new LatencyHistogram();
  const sent: bigint[] = [];
  let head = 0;
  await new Promise<void>((resolve) => {
    replies(s, (n) => {
      const t = nowNs();
      for (let k = 0; k < n; k++) h.recordNs(Number(t - (sent[head++] as bigint)));
      if (head >= count) resolve();
    });
    const start = nowNs();
    const tick = (): void => {
      const due = Math.min(count, Math.floor(Number(nowNs() - start) / (1e9 / rate)) + 1);
      const bufs: Buffer[] = [];
      while (sent.length < due) {
        sent.push(nowNs());
        bufs.push(Buffer.alloc(SIZE, 0x67));
      }
      if (bufs.length > 0) s.write(Buffer.concat(bufs));
      if (sent.length < count) setTimeout(tick, 0);
    };
    tick();
  });
  s.destroy();
  return h;
}

/** `conns` connections each send 1 KiB, await the echo and send again, for `ms`. */
async function manyConnections(port: number, conns: number, ms: number, serverCpuUs: () => Promise<number>): Promise<{ rtPerSec: number; cpuUsPerRt: number }> {
  const sockets = await Promise.all(Array.from({ length: conns }, () => connect(port)));
  const body = Buffer.alloc(SIZE, 0x68);
  const server0 = await serverCpuUs();
  const client0 = cpuUs();
  const t0 = nowNs();
  const end = t0 + BigInt(ms) * 1_000_000n;
  let n = 0;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          replies(s, (k) => {
            n += k;
            if (nowNs() < end) s.write(body);
            else resolve();
          });
          s.write(body);
        }),
    ),
  );
  const secs = Number(sinceNs(t0)) / 1e9;
  const cpu = cpuUs() - client0 + ((await serverCpuUs()) - server0);
  for (const s of sockets) s.destroy();
  return { rtPerSec: Math.round(n / secs), cpuUsPerRt: Math.round((cpu / n) * 10) / 10 };
}

export async function measureFloor(quick: boolean): Promise<Floor> {
  const child = fork(fileURLToPath(import.meta.url), ['server'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    const sync = (await syncRtt(port, quick ? 3000 : 20_000, 500)).summary();
    const paced = (await pacedRtt(port, quick ? 20_000 : 50_000, 10_000)).summary();
    const serverCpuUs = (): Promise<number> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
        child.send('cpu');
      });
    const many = await manyConnections(port, 64, quick ? 1000 : 3000, serverCpuUs);
    return {
      sync_p50_us: sync.p50_us,
      sync_p99_us: sync.p99_us,
      paced_p50_us: paced.p50_us,
      paced_p99_us: paced.p99_us,
      conns64_rt_per_s: many.rtPerSec,
      conns64_cpu_us_per_rt: many.cpuUsPerRt,
    };
  } finally {
    child.kill();
  }
}

if (process.argv[2] === 'server' && process.argv[1] === fileURLToPath(import.meta.url)) echoServer();
