// A broker in its own process, for the kill -9 tests of transactions and timers: the real
// `contrail broker -c broker.conf` command (apps/cli), on 127.0.0.1, data in a directory the
// caller owns. The first start binds an ephemeral port; a restart reuses it, so clients keep
// their routes. Its log is kept and printed when it logs an error.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '@contrail/admin';
import { NameServer } from '@contrail/namesrv';
import { eventually } from '@contrail/testkit';

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/src/main.js', import.meta.url));

export interface BrokerProcessOptions {
  /** storePathRootDir; broker.conf is written beside it. */
  dir: string;
  namesrvAddr: string;
  brokerName: string;
  /** More broker.conf keys (RocketMQ names). */
  conf?: Record<string, string | number>;
}

export class BrokerProcess {
  readonly #o: BrokerProcessOptions;
  #proc: ChildProcessWithoutNullStreams | undefined;
  #port = 0;
  /** Every line the broker process printed, across restarts. */
  readonly output: string[] = [];

  constructor(options: BrokerProcessOptions) {
    this.#o = options;
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Starts the process and resolves once it accepts connections. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.#proc !== undefined) throw new Error('broker process already running');
    const confPath = join(this.#o.dir, '..', `${this.#o.brokerName}.conf`);
    const conf = {
      brokerClusterName: 'FaultCluster',
      brokerName: this.#o.brokerName,
      namesrvAddr: this.#o.namesrvAddr,
      listenPort: this.#port,
      grpcListenPort: -1,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      storePathRootDir: this.#o.dir,
      mappedFileSizeCommitLog: 16 * 1024 * 1024,
      hotTailBytes: 4 * 1024 * 1024,
      ...this.#o.conf,
    };
    await writeFile(confPath, `${Object.entries(conf).map(([k, v]) => `${k}=${String(v)}`).join('\n')}\n`);
    const proc = spawn(process.execPath, [CLI, 'broker', '-c', confPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc = proc;
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.#o.brokerName} not ready within ${timeoutMs} ms:\n${this.output.slice(-20).join('\n')}`)), timeoutMs);
      const onLine = (l: string): void => {
        this.output.push(l);
        if (/"level":(50|60)/.test(l)) process.stderr.write(`[${this.#o.brokerName} pid ${proc.pid}] ${l}\n`);
        const m = / ready on [\d.]+:(\d+)$/.exec(l);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      createInterface({ input: proc.stdout }).on('line', onLine);
      createInterface({ input: proc.stderr }).on('line', onLine);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`broker ${this.#o.brokerName} exited (${code ?? signal}) before it was ready:\n${this.output.slice(-20).join('\n')}`));
      });
    });
    this.#port = await ready;
  }

  /** Sends the signal to this process (by its PID) and waits for it to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
    this.#proc = undefined;
  }
}

export interface FaultEnv {
  namesrvAddr: string;
  broker: BrokerProcess;
  /** Creates the topic on the broker and waits until the NameServer routes it. */
  createTopic(topic: string, queues: number): Promise<void>;
  /** Stops the broker process (SIGKILL) and the NameServer, removes the data. */
  shutdown(): Promise<void>;
}

/** A NameServer in this process and one broker process registered with it. */
export async function startFaultEnv(brokerName: string, conf: Record<string, string | number>): Promise<FaultEnv> {
  const root = await mkdtemp(join(tmpdir(), 'contrail-fault-'));
  const ns = new NameServer({ host: '127.0.0.1', port: 0 });
  let admin: AdminClient | undefined;
  let broker: BrokerProcess | undefined;
  const shutdown = async (): Promise<void> => {
    await admin?.shutdown();
    await broker?.stop('SIGKILL');
    await ns.shutdown();
    await rm(root, { recursive: true, force: true });
  };
  try {
    await ns.start();
    const namesrvAddr = `127.0.0.1:${ns.port}`;
    broker = new BrokerProcess({ dir: join(root, brokerName), namesrvAddr, brokerName, conf });
    await broker.start();
    const a = new AdminClient({ namesrvAddr });
    admin = a;
    await eventually(async () => (Object.keys((await a.clusterInfo()).brokerAddrTable).includes(brokerName) ? true : undefined), 10_000, 100);
    return {
      namesrvAddr,
      broker,
      async createTopic(topic, queues) {
        await a.createTopic({ topic, readQueueNums: queues, writeQueueNums: queues, brokerNames: [brokerName] });
        await eventually(async () => ((await a.topicRoute(topic)).queueDatas.some((q) => q.brokerName === brokerName) ? true : undefined), 10_000, 100);
      },
      shutdown,
    };
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}
