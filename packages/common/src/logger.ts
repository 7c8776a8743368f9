// Structured logging for every Contrail process: one pino root, named children per component.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

let root: Logger | undefined;

function defaultLevel(): string {
  if (process.env.CONTRAIL_LOG_LEVEL) return process.env.CONTRAIL_LOG_LEVEL;
  // Tests run quietly unless asked otherwise.
  return process.env.NODE_TEST_CONTEXT ? 'silent' : 'info';
}

/** Replaces the root logger (the CLI does this once, from its flags). */
export function configureLogging(options: LoggerOptions = {}): Logger {
  root = pino({ level: defaultLevel(), base: { pid: process.pid }, ...options });
  return root;
}

/** A child logger for one component, e.g. `createLogger('namesrv')`. */
export function createLogger(component: string): Logger {
  root ??= configureLogging();
  return root.child({ component });
}
