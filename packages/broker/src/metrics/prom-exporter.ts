// Prometheus metrics over HTTP (metricsExporterType=PROM): GET /metrics on
// metricsPromExporterPort (5557 by default, RocketMQ's convention), with RocketMQ 5's metric
// names and labels (RIP-46) and the classic exporter's rocketmq_group_diff, so existing
// dashboards read them. Every value is computed when scraped, from the broker's running
// totals and its managers; nothing is recorded per message beyond two additions.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContrailError, RETRY_GROUP_TOPIC_PREFIX, isSystemTopic, type Logger } from '@contrail/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerServices } from '../messaging/broker-services.js';
import { parseMetricsLabels } from '../config/broker-config.js';
import type { InTotals, OutTotals } from './broker-stats.js';

export interface PromExporterOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** "key:value,key:value", added to every series. */
  extraLabels: string;
  logger: Logger;
}

const bool = (b: boolean): string => (b ? 'true' : 'false');

/**
 * The process's own series (CPU, memory, event-loop lag, GC), one set per process: prom-client
 * starts monitors for them that are never stopped, so a process running several brokers (or
 * restarting one) must not start them again. They carry no broker labels.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class PromExporter {
  readonly registry = new Registry();
  readonly #o: PromExporterOptions;
  readonly #services: () => BrokerServices;
  #server: Server | undefined;

  /** `services` is asked at each scrape; it throws while the broker is not running. */
  constructor(options: PromExporterOptions, services: () => BrokerServices, identity: { cluster: string; brokerName: string }) {
    this.#o = options;
    this.#services = services;
    const extra = parseMetricsLabels(options.extraLabels);
    this.registry.setDefaultLabels({ cluster: identity.cluster, node_type: 'broker', node_id: identity.brokerName, ...('labels' in extra ? extra.labels : {}) });
    this.#define();
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    // A request that is not HTTP gets 400 and its connection closed; the server goes on.
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ContrailError('CONFIG_INVALID', `cannot bind the metrics port ${this.#o.host}:${this.#o.port}: ${err.message}`, { cause: err })));
      server.listen(this.#o.port, this.#o.host, () => resolve());
    });
    this.#server = server;
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end(`METHOD_NOT_ALLOWED: ${req.method ?? ''} is not served; GET /metrics\n`);
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`NOT_FOUND: ${path ?? ''}; the metrics are at /metrics\n`);
      return;
    }
    try {
      const text = `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      this.#o.logger.error({ err }, 'collecting metrics failed');
      const code = err instanceof ContrailError ? err.code : 'SYSTEM_ERROR';
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  #define(): void {
    const registers = [this.registry];
    const s = this.#services;
    type Row = [Partial<Record<string, string>>, number];
    /** A counter whose rows are running totals read at each scrape. */
    const totals = (name: string, help: string, labelNames: string[], rows: () => Row[]): void => {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, v] of rows()) this.inc(labels, v);
        },
      });
    };
    const inLabels = ['topic', 'message_type', 'is_system'];
    const inRows = (pick: (t: InTotals) => number) => (): Row[] =>
      [...s().stats.messagesIn()].map((t) => [{ topic: t.topic, message_type: t.messageType, is_system: bool(isSystemTopic(t.topic)) }, pick(t)]);
    totals('rocketmq_messages_in_total', 'Messages stored by sends (retry and DLQ topics not counted).', inLabels, inRows((t) => t.messages));
    totals('rocketmq_throughput_in_total', 'Bytes stored by sends (stored record sizes).', inLabels, inRows((t) => t.bytes));
    const outLabels = ['topic', 'consumer_group', 'is_system'];
    const outRows = (pick: (t: OutTotals) => number) => (): Row[] =>
      [...s().stats.messagesOut()].map((t) => [{ topic: t.topic, consumer_group: t.group, is_system: bool(isSystemTopic(t.topic)) }, pick(t)]);
    totals('rocketmq_messages_out_total', 'Messages handed to consumer groups (pull and POP).', outLabels, outRows((t) => t.messages));
    totals('rocketmq_throughput_out_total', 'Bytes handed to consumer groups.', outLabels, outRows((t) => t.bytes));
    const lags = (): { group: string; topic: string; lag: number }[] => {
      const { offsets, store } = s();
      const out: { group: string; topic: string; lag: number }[] = [];
      for (const { group, topic, queues } of offsets.entries()) {
        let lag = 0;
        for (const [q, committed] of queues) lag += Math.max(0, store.getMaxOffsetInQueue(topic, q) - committed);
        out.push({ group, topic, lag });
      }
      return out;
    };
    new Gauge({
      name: 'rocketmq_consumer_lag_messages',
      help: 'Messages behind the consumer group: queue max offset minus committed offset, summed over the queues it has offsets for.',
      labelNames: ['consumer_group', 'topic', 'is_retry', 'is_system'],
      registers,
      collect() {
        this.reset();
        for (const l of lags()) {
          this.set({ consumer_group: l.group, topic: l.topic, is_retry: bool(l.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)), is_system: bool(isSystemTopic(l.topic)) }, l.lag);
        }
      },
    });
    new Gauge({
      name: 'rocketmq_group_diff',
      help: "The consumer group's lag, as rocketmq-exporter names it.",
      labelNames: ['group', 'topic', 'countOfOnlineConsumers', 'msgModel'],
      registers,
      collect() {
        this.reset();
        const { consumers } = s();
        for (const l of lags()) {
          if (l.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) continue;
          const info = consumers.get(l.group);
          this.set({ group: l.group, topic: l.topic, countOfOnlineConsumers: String(info?.channels.size ?? 0), msgModel: info?.messageModel ?? 'CLUSTERING' }, l.lag);
        }
      },
    });
    new Gauge({
      name: 'rocketmq_producer_connections',
      help: 'Producer connections (one per producer group and client connection).',
      registers,
      collect() {
        const { producers } = s();
        this.set(producers.groups().reduce((n, g) => n + producers.channels(g).length, 0));
      },
    });
    new Gauge({
      name: 'rocketmq_consumer_connections',
      help: 'Consumer connections of each group.',
      labelNames: ['consumer_group', 'consume_mode', 'is_system'],
      registers,
      collect() {
        this.reset();
        for (const g of s().consumers.groups()) this.set({ consumer_group: g.groupName, consume_mode: g.consumeType, is_system: 'false' }, g.channels.size);
      },
    });
    new Gauge({
      name: 'rocketmq_topic_number',
      help: 'Topics this broker holds.',
      registers,
      collect() {
        this.set(s().topics.size);
      },
    });
    new Gauge({
      name: 'rocketmq_consumer_group_number',
      help: 'Subscription groups this broker knows.',
      registers,
      collect() {
        this.set(s().groups.all().length);
      },
    });
    new Gauge({
      name: 'rocketmq_broker_permission',
      help: 'brokerPermission (6 = read and write).',
      registers,
      collect() {
        this.set(s().config.brokerPermission);
      },
    });
    const storage = (name: string, help: string, value: (st: ReturnType<BrokerServices['store']['stats']>) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['storage_type', 'storage_medium'],
        registers,
        collect() {
          this.set({ storage_type: 'local', storage_medium: 'disk' }, value(s().store.stats()));
        },
      });
    };
    storage('rocketmq_storage_size', 'Commit-log bytes held (max minus min physical offset).', (st) => st.maxPhyOffset - st.minPhyOffset);
    storage('rocketmq_storage_flush_behind_bytes', 'Commit-log bytes not yet made durable with fdatasync.', (st) => Math.max(0, st.maxPhyOffset - st.flushedPhyOffset));
    storage('rocketmq_storage_dispatch_behind_bytes', 'Commit-log bytes whose consume-queue and index entries are not written yet.', (st) => Math.max(0, st.maxPhyOffset - st.dispatchedPhyOffset));
  }
}
