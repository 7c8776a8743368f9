// Builds a BrokerConfig from broker.conf (if given) and overrides (command-line flags, or
// options passed in code); overrides win. Unknown keys are logged, bad values refused.
import { readFileSync } from 'node:fs';
import { ContrailError, createLogger, parseJavaProperties, type Logger } from '@contrail/common';
import { defaultBrokerConfig, type BrokerConfig } from './broker-config.js';
import { CONFIG_ALIASES, CONFIG_READERS, IGNORED_KEYS, type RawValue } from './config-schema.js';

export type BrokerConfigOverrides = Readonly<Record<string, RawValue | undefined>>;

export interface LoadBrokerConfigOptions {
  logger?: Logger;
}

/** Reads `path` (RocketMQ broker.conf syntax) and applies `overrides` on top. */
export function loadBrokerConfig(
  path: string | undefined,
  overrides: BrokerConfigOverrides = {},
  options: LoadBrokerConfigOptions = {},
): BrokerConfig {
  const log = options.logger ?? createLogger('broker-config');
  const config = defaultBrokerConfig();
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ContrailError('CONFIG_INVALID', `cannot read broker config ${path}: ${(err as Error).message}`, { cause: err });
    }
    for (const { key, value, line } of parseJavaProperties(text)) {
      applyKey(config, key, value, `broker.conf: ${key} (line ${line})`, log);
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) applyKey(config, key, value, `broker option ${key}`, log);
  }
  return config;
}

/** Completes a partial config (options given in code) with defaults, checking every value. */
export function resolveBrokerConfig(partial: Partial<BrokerConfig>, logger?: Logger): BrokerConfig {
  const overrides: Record<string, RawValue> = {};
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) overrides[key] = value as RawValue;
  }
  return loadBrokerConfig(undefined, overrides, logger === undefined ? {} : { logger });
}

function applyKey(config: BrokerConfig, rawKey: string, value: RawValue, where: string, log: Logger): void {
  const key = (CONFIG_ALIASES[rawKey] ?? rawKey) as keyof BrokerConfig;
  if (!Object.hasOwn(CONFIG_READERS, key)) {
    if (!IGNORED_KEYS.has(rawKey)) log.warn({ key: rawKey }, `${where}: unknown key, ignored`);
    return;
  }
  const result = CONFIG_READERS[key](value);
  if ('error' in result) {
    const label = where.startsWith('broker.conf') ? `broker.conf: ${rawKey}` : where;
    throw new ContrailError('CONFIG_INVALID', `${label} ${result.error}`);
  }
  (config as unknown as Record<string, unknown>)[key] = result.value;
}
