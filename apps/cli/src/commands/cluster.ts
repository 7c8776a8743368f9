// `contrail cluster list|config`: the registered brokers with their runtime figures, and one
// broker's settings (mqadmin's clusterList and getBrokerConfig).
import type { Command } from 'commander';
import { brokerAddrByName, brokerConfig, clusterList, withAdmin } from '@contrail/admin';
import { printJson, printTable } from '../output.js';
import { withNamesrvOption, type NamesrvFlag } from './namesrv-option.js';

interface JsonFlag extends NamesrvFlag {
  json?: boolean;
}

export function clusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('inspect the brokers of the cluster');

  withNamesrvOption(cluster.command('list').description('every registered broker, with its address and runtime figures'))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: JsonFlag) => {
      const rows = await withAdmin(flags.namesrv, (a) => clusterList(a));
      if (flags.json === true) return printJson(rows);
      printTable(
        ['cluster', 'broker', 'id', 'address', 'topics', 'commit log max', 'producers', 'consumers', 'up'],
        rows.map((r) => [
          r.cluster,
          r.brokerName,
          r.brokerId,
          r.addr,
          r.runtime === undefined ? 'not answering' : Number(r.runtime.topicCount ?? 0),
          Number(r.runtime?.commitLogMaxOffset ?? 0),
          Number(r.runtime?.producerGroupOnlineCount ?? 0),
          Number(r.runtime?.consumerGroupOnlineCount ?? 0),
          r.runtime?.runtime ?? '',
        ]),
      );
    });

  withNamesrvOption(cluster.command('config <broker>').description("one broker's settings (broker name or host:port)"))
    .option('--json', 'print JSON instead of key=value lines')
    .action(async (broker: string, flags: JsonFlag) => {
      const config = await withAdmin(flags.namesrv, async (a) => brokerConfig(a, broker.includes(':') ? broker : await brokerAddrByName(a, broker)));
      if (flags.json === true) return printJson(config);
      for (const [k, v] of Object.entries(config).sort(([x], [y]) => x.localeCompare(y))) process.stdout.write(`${k}=${v}\n`);
    });
}
