// `contrail message send|query|view`.
import type { Command } from 'commander';
import { queryMessageByKey, queryMessageByUniqKey, viewMessage } from '@contrail/admin';
import { Producer } from '@contrail/client';
import { parsePositiveInt } from '../options.js';
import { withNamesrvOption, type NamesrvFlag } from './namesrv-option.js';
import { printJson } from '../output.js';

interface SendFlags extends NamesrvFlag {
  tags?: string;
  keys?: string;
  group: string;
}

interface QueryFlags extends NamesrvFlag {
  max: number;
  uniq?: boolean;
}

export function messageCommand(program: Command): void {
  const message = program.command('message').description('send, query and view messages');

  withNamesrvOption(
    message
      .command('send <topic> <body>')
      .description('send one message and print its SendResult')
      .option('-t, --tags <tag>', 'the message tag')
      .option('-k, --keys <keys>', 'space-separated keys (indexed for query)')
      .option('-g, --group <group>', 'producer group', 'CONTRAIL_CLI_PRODUCER'),
  ).action(async (topic: string, body: string, flags: SendFlags) => {
    const producer = new Producer({ namesrvAddr: flags.namesrv, producerGroup: flags.group });
    await producer.start();
    try {
      const result = await producer.send({
        topic,
        body: Buffer.from(body),
        ...(flags.tags === undefined ? {} : { tags: flags.tags }),
        ...(flags.keys === undefined ? {} : { keys: flags.keys }),
      });
      printJson(result);
    } finally {
      await producer.shutdown();
    }
  });

  withNamesrvOption(
    message
      .command('query <topic> <key>')
      .description('find messages by key (or by message ID with --uniq)')
      .option('-m, --max <n>', 'at most this many', parsePositiveInt, 32)
      .option('-u, --uniq', 'the key is a message ID (UNIQ_KEY)'),
  ).action(async (topic: string, key: string, flags: QueryFlags) => {
    const found = flags.uniq
      ? await queryMessageByUniqKey(flags.namesrv, topic, key)
      : await queryMessageByKey(flags.namesrv, topic, key, flags.max, 0, Date.now() + 60_000);
    printJson(found);
  });

  withNamesrvOption(message.command('view <offsetMsgId>').description('show one message by its offset message ID')).action(
    async (id: string, flags: NamesrvFlag) => {
      printJson(await viewMessage(flags.namesrv, id));
    },
  );
}
