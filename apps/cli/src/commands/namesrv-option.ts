// The NameServer address option every admin subcommand shares.
import type { Command } from 'commander';

export interface NamesrvFlag {
  namesrv: string;
}

export function withNamesrvOption(cmd: Command): Command {
  return cmd.option(
    '-n, --namesrv <addrs>',
    'NameServer addresses, "host:port;host:port" (env NAMESRV_ADDR)',
    process.env.NAMESRV_ADDR ?? '127.0.0.1:9876',
  );
}
