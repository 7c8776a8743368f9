// `contrail topic create|list|route|status`.
import type { Command } from 'commander';
import { createTopic, topicList, topicRoute, topicStatus, withAdmin } from '@contrail/admin';
import { parsePositiveInt } from '../options.js';
import { withNamesrvOption, type NamesrvFlag } from './namesrv-option.js';
import { printJson, printTable } from '../output.js';

interface CreateFlags extends NamesrvFlag {
  queues: number;
  cluster?: string;
  broker?: string[];
  order?: boolean;
  perm: number;
}

export function topicCommand(program: Command): void {
  const topic = program.command('topic').description('create, list and inspect topics');

  withNamesrvOption(
    topic
      .command('create <topic>')
      .description('create or update a topic on every master of a cluster (or the named brokers)')
      .option('-q, --queues <n>', 'read and write queues per broker', parsePositiveInt, 8)
      .option('-c, --cluster <name>', 'cluster to create it in (default: every cluster)')
      .option('-b, --broker <name...>', 'only on these brokers')
      .option('--order', 'an ordered topic')
      .option('--perm <perm>', 'permission bits (6 = read+write)', parsePositiveInt, 6),
  ).action(async (name: string, flags: CreateFlags) => {
    const result = await createTopic(flags.namesrv, {
      topic: name,
      readQueueNums: flags.queues,
      writeQueueNums: flags.queues,
      perm: flags.perm,
      order: flags.order ?? false,
      ...(flags.cluster === undefined ? {} : { clusterName: flags.cluster }),
      ...(flags.broker === undefined ? {} : { brokerNames: flags.broker }),
    });
    printJson(result);
  });

  withNamesrvOption(topic.command('list').description('list every topic the NameServer knows')).action(
    async (flags: NamesrvFlag) => {
      for (const t of (await topicList(flags.namesrv)).sort()) process.stdout.write(`${t}\n`);
    },
  );

  withNamesrvOption(topic.command('route <topic>').description("show a topic's route: brokers and queues")).action(
    async (name: string, flags: NamesrvFlag) => {
      printJson(await topicRoute(flags.namesrv, name));
    },
  );

  withNamesrvOption(topic.command('status <topic>').description('each queue of the topic: min and max offset, messages held'))
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, flags: NamesrvFlag & { json?: boolean }) => {
      const rows = await withAdmin(flags.namesrv, (a) => topicStatus(a, name));
      if (flags.json === true) return printJson(rows);
      printTable(
        ['broker', 'queue', 'min offset', 'max offset', 'messages'],
        rows.map((r) => [r.brokerName, r.queueId, r.minOffset, r.maxOffset, r.maxOffset - r.minOffset]),
      );
    });
}
