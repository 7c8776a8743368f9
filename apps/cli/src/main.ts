// The contrail command: servers (start, namesrv, broker) and admin subcommands.
import { Command, CommanderError } from 'commander';
import { ContrailError } from '@contrail/common';
import { brokerCommand } from './commands/broker.js';
import { clusterCommand } from './commands/cluster.js';
import { dashboardCommand } from './commands/dashboard.js';
import { groupCommand } from './commands/group.js';
import { namesrvCommand } from './commands/namesrv.js';
import { startCommand } from './commands/start.js';
import { topicCommand } from './commands/topic.js';
import { messageCommand } from './commands/message.js';

const program = new Command('contrail')
  .description('Contrail: a messaging system with Apache RocketMQ\'s model, for Node.js')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

startCommand(program);
namesrvCommand(program);
brokerCommand(program);
dashboardCommand(program);
topicCommand(program);
messageCommand(program);
clusterCommand(program);
groupCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ContrailError) {
    process.stderr.write(`contrail: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof CommanderError) {
    // commander has already printed its one-line error (or the help/version text).
    process.exit(err.exitCode);
  }
  process.stderr.write(`contrail: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
