// Consumer groups known to this broker, persisted in config/subscriptionGroup.json; groups
// are created on first use when autoCreateSubscriptionGroup is on.
import { createLogger, type Logger } from '@contrail/common';
import { DataVersion, type DataVersionJson } from '../persist/data-version.js';
import type { JsonConfigFile } from '../persist/json-config-file.js';
import {
  newSubscriptionGroupConfig,
  subscriptionGroupConfigFromJson,
  type SubscriptionGroupConfig,
} from './subscription-group-config.js';

export class SubscriptionGroupManager {
  readonly dataVersion = new DataVersion();
  readonly #table = new Map<string, SubscriptionGroupConfig>();
  readonly #file: JsonConfigFile;
  readonly #autoCreate: boolean;
  readonly #log: Logger;

  constructor(file: JsonConfigFile, autoCreate: boolean, logger: Logger = createLogger('subscription-group')) {
    this.#file = file;
    this.#autoCreate = autoCreate;
    this.#log = logger;
  }

  async load(): Promise<void> {
    const json = await this.#file.read();
    if (typeof json !== 'object' || json === null) return;
    const j = json as { subscriptionGroupTable?: unknown; dataVersion?: unknown };
    if (typeof j.subscriptionGroupTable === 'object' && j.subscriptionGroupTable !== null) {
      for (const [name, value] of Object.entries(j.subscriptionGroupTable)) {
        const c = subscriptionGroupConfigFromJson(value, name);
        if (c !== null) this.#table.set(name, c);
      }
    }
    this.dataVersion.assign(j.dataVersion);
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.#table.get(group);
  }

  /** The group's config, created with defaults when auto-creation is on; else undefined. */
  findOrCreate(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.#table.get(group);
    if (existing !== undefined || !this.#autoCreate) return existing;
    const created = newSubscriptionGroupConfig(group);
    this.#table.set(group, created);
    this.#log.info({ group }, 'auto-created subscription group');
    this.#changed();
    return created;
  }

  createOrUpdate(config: SubscriptionGroupConfig): void {
    this.#table.set(config.groupName, { ...config });
    this.#changed();
  }

  delete(group: string): boolean {
    if (!this.#table.delete(group)) return false;
    this.#changed();
    return true;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.#table.values()];
  }

  toJSON(): { subscriptionGroupTable: Record<string, SubscriptionGroupConfig>; dataVersion: DataVersionJson } {
    const subscriptionGroupTable: Record<string, SubscriptionGroupConfig> = {};
    for (const [name, c] of this.#table) subscriptionGroupTable[name] = c;
    return { subscriptionGroupTable, dataVersion: this.dataVersion.toJSON() };
  }

  persist(): Promise<void> {
    return this.#file.write(this.toJSON());
  }

  #changed(): void {
    this.dataVersion.next();
    this.persist().catch((err: unknown) => this.#log.error({ err }, 'cannot persist subscriptionGroup.json'));
  }
}
