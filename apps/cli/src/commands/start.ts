// `contrail start`: a NameServer and a broker in one process, data under ./data — the embedded
// default for development and tests. Prints a line containing "ready" once every listener accepts.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger, ContrailError } from '@contrail/common';
import { Broker, resolveBrokerConfig } from '@contrail/broker';
import { NameServer } from '@contrail/namesrv';
import { DashboardServer } from '@contrail/dashboard';
import { parseHost, parsePort } from '../options.js';
import { describeStartupError, portInUse, runUntilSignal, type Service } from '../lifecycle.js';
import { fail } from '../fail.js';

interface StartFlags {
  dataDir: string;
  host: string;
  brokerIp1: string;
  namesrvPort: number;
  brokerPort: number;
  grpcPort: number;
  metricsPort: number;
  metrics: boolean;
  dashboardPort: number;
  dashboard: boolean;
  flushDiskType: string;
}

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('run a NameServer and a broker in one process (data under ./data)')
    .option('-d, --data-dir <dir>', 'where the broker keeps its data', './data')
    .option('-H, --host <host>', 'address every listener binds', parseHost, '127.0.0.1')
    .option('--broker-ip1 <ip>', 'IPv4 address the broker advertises', '127.0.0.1')
    .option('--namesrv-port <port>', 'NameServer port', parsePort, 9876)
    .option('--broker-port <port>', 'broker remoting port', parsePort, 10911)
    .option('--grpc-port <port>', 'RocketMQ 5 gRPC port (0 picks a free one)', parsePort, 8081)
    .option('--metrics-port <port>', 'Prometheus metrics port, GET /metrics (0 picks a free one)', parsePort, 5557)
    .option('--no-metrics', 'do not serve Prometheus metrics')
    .option('--dashboard-port <port>', 'web dashboard and HTTP API port (0 picks a free one)', parsePort, 8080)
    .option('--no-dashboard', 'do not serve the dashboard')
    .option('--flush-disk-type <type>', 'ASYNC_FLUSH or SYNC_FLUSH', 'ASYNC_FLUSH')
    .action(async (flags: StartFlags, cmd: Command) => {
      const log = createLogger('cli');
      const services: Service[] = [];
      const abort = async (message: string): Promise<never> => {
        for (const s of services.reverse()) await s.shutdown().catch(() => undefined);
        fail(message);
      };

      const namesrv = new NameServer({ host: flags.host, port: flags.namesrvPort });
      try {
        await namesrv.start();
      } catch (err) {
        return abort(`cannot start the NameServer on ${flags.host}:${flags.namesrvPort}: ${describeStartupError(err)}`);
      }
      services.push(namesrv);
      // Where this machine reaches the listeners (all of them bind flags.host).
      const localHost = flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host;
      const namesrvAddr = `${localHost}:${namesrv.port}`;

      const makeBroker = (metrics: boolean): Broker =>
        new Broker(
          resolveBrokerConfig({
            brokerName: 'broker-a',
            brokerClusterName: 'DefaultCluster',
            namesrvAddr: [namesrvAddr],
            listenPort: flags.brokerPort,
            grpcListenPort: flags.grpcPort,
            metricsExporterType: metrics ? 'PROM' : 'DISABLE',
            metricsPromExporterPort: flags.metricsPort,
            bindAddress: flags.host,
            brokerIP1: flags.brokerIp1,
            storePathRootDir: resolve(flags.dataDir),
            flushDiskType: flags.flushDiskType as 'ASYNC_FLUSH',
          }),
        );
      const startBroker = async (metrics: boolean): Promise<{ broker: Broker } | { err: unknown }> => {
        let broker: Broker;
        try {
          broker = makeBroker(metrics);
        } catch (err) {
          return abort(err instanceof ContrailError ? `${err.code}: ${err.message}` : describeStartupError(err));
        }
        try {
          await broker.start();
          return { broker };
        } catch (err) {
          await broker.shutdown().catch(() => undefined);
          return { err };
        }
      };
      let started = await startBroker(flags.metrics);
      // Metrics are a convenience: when the default port is taken, start without them.
      if ('err' in started && flags.metrics && cmd.getOptionValueSource('metricsPort') === 'default' && /metrics port/.test(String(started.err)) && portInUse(started.err)) {
        process.stderr.write(`contrail: the metrics port ${flags.metricsPort} is taken; starting without metrics (--metrics-port picks another)\n`);
        started = await startBroker(false);
      }
      if ('err' in started) return abort(`cannot start the broker on ${flags.host}:${flags.brokerPort}: ${describeStartupError(started.err)}`);
      const broker = started.broker;
      services.push(broker);

      let dashboardUrl = '';
      if (flags.dashboard) {
        const dashboard = new DashboardServer({ namesrvAddr, host: flags.host, port: flags.dashboardPort });
        try {
          await dashboard.start();
          services.push(dashboard);
          dashboardUrl = `, dashboard http://${localHost}:${dashboard.port}/`;
        } catch (err) {
          await dashboard.shutdown().catch(() => undefined);
          // Like the metrics: the default port being taken is no reason not to start.
          if (!portInUse(err) || cmd.getOptionValueSource('dashboardPort') !== 'default') return abort(`cannot start the dashboard on ${flags.host}:${flags.dashboardPort}: ${describeStartupError(err)}`);
          process.stderr.write(`contrail: the dashboard port ${flags.dashboardPort} is taken; starting without the dashboard (--dashboard-port picks another)\n`);
        }
      }

      const grpc = broker.grpcPort > 0 ? `, gRPC ${flags.brokerIp1}:${broker.grpcPort}` : '';
      const metrics = broker.metricsPort > 0 ? `, metrics http://${localHost}:${broker.metricsPort}/metrics` : '';
      // Signals are handled before "ready" is out: a supervisor may stop us the moment it reads it.
      runUntilSignal(services, log);
      const line = `Contrail ready: NameServer ${namesrvAddr}, broker broker-a ${broker.address}${grpc}${metrics}${dashboardUrl}, data ${resolve(flags.dataDir)}`;
      log.info({ namesrv: namesrvAddr, broker: broker.address }, line);
      process.stderr.write(`${line}\n`);
    });
}
