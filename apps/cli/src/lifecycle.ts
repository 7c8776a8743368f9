// Runs a set of servers until SIGINT/SIGTERM, then shuts them down in reverse order.
import type { Logger } from '@contrail/common';

export interface Service {
  shutdown(): Promise<void>;
}

export function runUntilSignal(services: Service[], log: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    void (async () => {
      let code = 0;
      for (const s of [...services].reverse()) {
        try {
          await s.shutdown();
        } catch (err) {
          code = 1;
          log.error({ err }, 'shutdown failed');
        }
      }
      log.info('stopped');
      process.exitCode = code;
    })();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** A one-line message for an error that ends the process: no stack for expected failures. */
/** The listener's port is in use (also when wrapped as a ContrailError's cause). */
export function portInUse(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return e?.code === 'EADDRINUSE' || e?.cause?.code === 'EADDRINUSE';
}

export function describeStartupError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (e?.code === 'EADDRINUSE') return `address already in use: ${e.message.replace(/^listen EADDRINUSE: address already in use /, '')}`;
  if (e?.code === 'EACCES') return `permission denied: ${e.message}`;
  return e instanceof Error ? e.message : String(err);
}
