// `contrail broker -c broker.conf`: one broker in its own process; flags override the file.
import type { Command } from 'commander';
import { createLogger, ContrailError } from '@contrail/common';
import { Broker, loadBrokerConfig, type BrokerConfig } from '@contrail/broker';
import { parseHost, parsePort } from '../options.js';
import { describeStartupError, runUntilSignal } from '../lifecycle.js';
import { fail } from '../fail.js';

interface BrokerFlags {
  config?: string;
  namesrvAddr?: string;
  listenPort?: number;
  bindAddress?: string;
  brokerIp1?: string;
  brokerName?: string;
  clusterName?: string;
  storePath?: string;
  flushDiskType?: string;
}

export function brokerCommand(program: Command): void {
  program
    .command('broker')
    .description('run a broker (stores messages, serves producers and consumers)')
    .option('-c, --config <file>', "broker.conf in RocketMQ's key=value syntax")
    .option('-n, --namesrv-addr <addrs>', 'NameServer addresses, "host:port;host:port"')
    .option('--listen-port <port>', 'remoting port (default 10911)', parsePort)
    .option('--bind-address <host>', 'address to bind (default 0.0.0.0)', parseHost)
    .option('--broker-ip1 <ip>', 'IPv4 address advertised to NameServers and clients')
    .option('--broker-name <name>', 'broker name')
    .option('--cluster-name <name>', 'cluster name')
    .option('--store-path <dir>', 'storePathRootDir')
    .option('--flush-disk-type <type>', 'ASYNC_FLUSH or SYNC_FLUSH')
    .action(async (flags: BrokerFlags) => {
      const log = createLogger('cli');
      let config: BrokerConfig;
      try {
        config = loadBrokerConfig(flags.config, {
          namesrvAddr: flags.namesrvAddr,
          listenPort: flags.listenPort,
          bindAddress: flags.bindAddress,
          brokerIP1: flags.brokerIp1,
          brokerName: flags.brokerName,
          brokerClusterName: flags.clusterName,
          storePathRootDir: flags.storePath,
          flushDiskType: flags.flushDiskType,
        });
      } catch (err) {
        fail(err instanceof ContrailError ? `${err.code}: ${err.message}` : describeStartupError(err));
      }
      const broker = new Broker(config);
      try {
        await broker.start();
      } catch (err) {
        await broker.shutdown().catch(() => undefined);
        fail(`cannot start the broker on ${config.bindAddress}:${config.listenPort}: ${describeStartupError(err)}`);
      }
      const grpc = broker.grpcPort > 0 ? `, gRPC port ${broker.grpcPort}` : '';
      const metrics = broker.metricsPort > 0 ? `, metrics port ${broker.metricsPort}` : '';
      // Signals are handled before "ready" is out: a supervisor may stop us the moment it reads it.
      runUntilSignal([broker], log);
      const line = `broker ${config.brokerName} ready on ${broker.address}${grpc}${metrics}`;
      log.info({ brokerName: config.brokerName, address: broker.address, store: config.storePathRootDir }, line);
      process.stderr.write(`${line}\n`);
    });
}
