// The contrail command: servers (start, namesrv, broker) and admin subcommands.
import { Command, CommanderError } from 'commander';
import { namesrvCommand } from './commands/namesrv.js';

const program = new Command('contrail')
  .description('Contrail: a messaging system with Apache RocketMQ\'s model, for Node.js')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

namesrvCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has already printed its one-line error (or the help/version text).
    process.exit(err.exitCode);
  }
  process.stderr.write(`contrail: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
