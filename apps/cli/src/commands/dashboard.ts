// `contrail dashboard`: the web dashboard and its HTTP API on their own, for a cluster whose
// NameServers run elsewhere.
import type { Command } from 'commander';
import { createLogger } from '@contrail/common';
import { DashboardServer } from '@contrail/dashboard';
import { parseHost, parsePort } from '../options.js';
import { describeStartupError, runUntilSignal } from '../lifecycle.js';
import { fail } from '../fail.js';
import { withNamesrvOption, type NamesrvFlag } from './namesrv-option.js';

interface DashboardFlags extends NamesrvFlag {
  port: number;
  host: string;
}

export function dashboardCommand(program: Command): void {
  withNamesrvOption(program.command('dashboard').description('serve the web dashboard and its HTTP API for a cluster'))
    .option('-p, --port <port>', 'port to listen on', parsePort, 8080)
    .option('-H, --host <host>', 'address to bind', parseHost, '127.0.0.1')
    .action(async (flags: DashboardFlags) => {
      const log = createLogger('cli');
      const dashboard = new DashboardServer({ namesrvAddr: flags.namesrv, host: flags.host, port: flags.port });
      try {
        await dashboard.start();
      } catch (err) {
        await dashboard.shutdown().catch(() => undefined);
        fail(`cannot start the dashboard on ${flags.host}:${flags.port}: ${describeStartupError(err)}`);
      }
      // Signals are handled before "ready" is out: a supervisor may stop us the moment it reads it.
      runUntilSignal([dashboard], log);
      const line = `Dashboard ready on http://${flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host}:${dashboard.port}/ for NameServer ${flags.namesrv}`;
      log.info({ port: dashboard.port, namesrv: flags.namesrv }, line);
      process.stderr.write(`${line}\n`);
    });
}
