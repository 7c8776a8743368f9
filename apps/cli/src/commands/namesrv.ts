// `contrail namesrv`: one NameServer in its own process.
import type { Command } from 'commander';
import { createLogger } from '@contrail/common';
import { NameServer } from '@contrail/namesrv';
import { parseHost, parsePort } from '../options.js';
import { describeStartupError, runUntilSignal } from '../lifecycle.js';
import { fail } from '../fail.js';

interface NamesrvFlags {
  port: number;
  host: string;
}

export function namesrvCommand(program: Command): void {
  program
    .command('namesrv')
    .description('run a NameServer (routing: which brokers hold which topic queues)')
    .option('-p, --port <port>', 'port to listen on', parsePort, 9876)
    .option('-H, --host <host>', 'address to bind', parseHost, '0.0.0.0')
    .action(async (flags: NamesrvFlags) => {
      const log = createLogger('cli');
      const namesrv = new NameServer({ host: flags.host, port: flags.port });
      try {
        await namesrv.start();
      } catch (err) {
        fail(`cannot start the NameServer on ${flags.host}:${flags.port}: ${describeStartupError(err)}`);
      }
      // Signals are handled before "ready" is out: a supervisor may stop us the moment it reads it.
      runUntilSignal([namesrv], log);
      const line = `NameServer ready on ${flags.host}:${namesrv.port}`;
      log.info({ port: namesrv.port, host: flags.host }, line);
      process.stderr.write(`${line}\n`);
    });
}
