// The topics this broker hosts: persisted in config/topics.json (RocketMQ's shape), with the
// system topics RocketMQ creates at start, and the TBW102 auto-creation rule.
import { Perm, SystemTopic, createLogger, type Logger } from '@contrail/common';
import type { BrokerConfig } from '../config/broker-config.js';
import { DataVersion, type DataVersionJson } from '../persist/data-version.js';
import type { JsonConfigFile } from '../persist/json-config-file.js';
import { isInherited, newTopicConfig, topicConfigFromJson, type TopicConfig } from './topic-config.js';

export interface TopicConfigSerializeWrapper {
  topicConfigTable: Record<string, TopicConfig>;
  dataVersion: DataVersionJson;
}

export class TopicConfigManager {
  readonly dataVersion = new DataVersion();
  readonly #table = new Map<string, TopicConfig>();
  readonly #config: BrokerConfig;
  readonly #file: JsonConfigFile;
  readonly #log: Logger;
  /** Called after every change; the broker re-registers with the NameServers. */
  onChange: () => void = () => {};

  constructor(config: BrokerConfig, file: JsonConfigFile, logger: Logger = createLogger('topic-config')) {
    this.#config = config;
    this.#file = file;
    this.#log = logger;
    this.#addSystemTopics();
  }

  async load(): Promise<void> {
    const json = await this.#file.read();
    if (typeof json !== 'object' || json === null) return;
    const j = json as { topicConfigTable?: unknown; dataVersion?: unknown };
    if (typeof j.topicConfigTable === 'object' && j.topicConfigTable !== null) {
      for (const [name, value] of Object.entries(j.topicConfigTable)) {
        const tc = topicConfigFromJson(value, name);
        if (tc !== null) this.#table.set(name, tc);
      }
    }
    this.dataVersion.assign(j.dataVersion);
    // System topics follow the current settings, not what an older run saved.
    this.#addSystemTopics();
  }

  get(topic: string): TopicConfig | undefined {
    return this.#table.get(topic);
  }

  all(): TopicConfig[] {
    return [...this.#table.values()];
  }

  get size(): number {
    return this.#table.size;
  }

  createOrUpdate(tc: TopicConfig): void {
    this.#table.set(tc.topicName, { ...tc });
    this.#changed();
  }

  delete(topic: string): boolean {
    if (!this.#table.delete(topic)) return false;
    this.#changed();
    return true;
  }

  /**
   * RocketMQ's auto-creation on send: if `defaultTopic` (TBW102) exists with the inherit
   * bit, `topic` is created with min(clientQueueNums, default's write queues) queues and
   * the default's perm without the inherit bit. Null when the topic cannot be created.
   */
  createInSendMessage(topic: string, defaultTopic: string, clientQueueNums: number, topicSysFlag: number): TopicConfig | null {
    const existing = this.#table.get(topic);
    if (existing !== undefined) return existing;
    const def = this.#table.get(defaultTopic);
    if (def === undefined || !isInherited(def.perm)) {
      this.#log.warn({ topic, defaultTopic }, 'cannot auto-create topic: default topic missing or not inheritable');
      return null;
    }
    const queueNums = Math.max(1, Math.min(clientQueueNums > 0 ? clientQueueNums : def.writeQueueNums, def.writeQueueNums));
    const tc = newTopicConfig(topic, queueNums, def.perm & ~Perm.INHERIT);
    tc.topicSysFlag = topicSysFlag;
    this.#log.info({ topic, queueNums }, 'auto-created topic');
    this.createOrUpdate(tc);
    return tc;
  }

  /** Retry and DLQ topics: created on demand with a fixed layout. */
  createInSendMessageBack(topic: string, queueNums: number, perm: number, topicSysFlag = 0): TopicConfig {
    const existing = this.#table.get(topic);
    if (existing !== undefined) return existing;
    const tc = newTopicConfig(topic, queueNums, perm);
    tc.topicSysFlag = topicSysFlag;
    this.createOrUpdate(tc);
    return tc;
  }

  serializeWrapper(): TopicConfigSerializeWrapper {
    const topicConfigTable: Record<string, TopicConfig> = {};
    for (const [name, tc] of this.#table) topicConfigTable[name] = tc;
    return { topicConfigTable, dataVersion: this.dataVersion.toJSON() };
  }

  persist(): Promise<void> {
    return this.#file.write(this.serializeWrapper());
  }

  #changed(): void {
    this.dataVersion.next();
    this.persist().catch((err: unknown) => this.#log.error({ err }, 'cannot persist topics.json'));
    try {
      this.onChange();
    } catch (err) {
      this.#log.error({ err }, 'topic change listener threw');
    }
  }

  #addSystemTopics(): void {
    const c = this.#config;
    const put = (tc: TopicConfig): void => {
      this.#table.set(tc.topicName, tc);
    };
    put(newTopicConfig(SystemTopic.SELF_TEST, 1));
    if (c.autoCreateTopicEnable) {
      put(newTopicConfig(SystemTopic.AUTO_CREATE, c.defaultTopicQueueNums, Perm.READ | Perm.WRITE | Perm.INHERIT));
    } else {
      this.#table.delete(SystemTopic.AUTO_CREATE);
    }
    put(newTopicConfig(SystemTopic.OFFSET_MOVED_EVENT, 1));
    const levels = c.messageDelayLevel.trim().split(/\s+/).length;
    put(newTopicConfig(SystemTopic.SCHEDULE, levels));
    if (c.clusterTopicEnable) put(newTopicConfig(c.brokerClusterName, 16, Perm.READ | Perm.WRITE | Perm.INHERIT));
    if (c.brokerTopicEnable) put(newTopicConfig(c.brokerName, 1, Perm.READ | Perm.WRITE | Perm.INHERIT));
  }
}
