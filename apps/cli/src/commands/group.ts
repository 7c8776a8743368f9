// `contrail group progress`: how far a consumer group is behind, queue by queue (mqadmin's
// consumerProgress).
import type { Command } from 'commander';
import { consumerProgress, withAdmin } from '@contrail/admin';
import { printJson, printTable } from '../output.js';
import { withNamesrvOption, type NamesrvFlag } from './namesrv-option.js';

interface ProgressFlags extends NamesrvFlag {
  topic?: string[];
  json?: boolean;
}

export function groupCommand(program: Command): void {
  const group = program.command('group').description('inspect consumer groups');

  withNamesrvOption(group.command('progress <group>').description("the group's committed offset and lag on each queue of its topics"))
    .option('-t, --topic <topic...>', "only these topics (default: the group's topics, its %RETRY% topic included)")
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, flags: ProgressFlags) => {
      const rows = await withAdmin(flags.namesrv, (a) => consumerProgress(a, name, flags.topic));
      if (flags.json === true) return printJson(rows);
      printTable(
        ['topic', 'broker', 'queue', 'broker offset', 'consumer offset', 'lag'],
        rows.map((r) => [r.topic, r.brokerName, r.queueId, r.brokerOffset, r.consumerOffset, r.lag]),
      );
      process.stdout.write(`total lag: ${rows.reduce((n, r) => n + r.lag, 0)}\n`);
    });
}
