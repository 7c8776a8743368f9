// The broker's settings, named after RocketMQ's broker.conf keys so that an existing
// broker.conf works unchanged.
import { hostname } from 'node:os';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { localIPv4 } from './local-ipv4.js';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';
export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

export interface BrokerConfig {
  brokerClusterName: string;
  brokerName: string;
  brokerId: number;
  /** NameServer addresses ("host:port"); broker.conf separates them with `;`. */
  namesrvAddr: string[];
  /** The port clients connect to; 0 picks a free one (see Broker.port). */
  listenPort: number;
  /** The address the server binds; separate from the advertised brokerIP1. */
  bindAddress: string;
  /** The IPv4 address advertised to NameServers and written into every stored record. */
  brokerIP1: string;
  storePathRootDir: string;
  flushDiskType: FlushDiskType;
  brokerRole: BrokerRole;
  autoCreateTopicEnable: boolean;
  autoCreateSubscriptionGroup: boolean;
  defaultTopicQueueNums: number;
  maxMessageSize: number;
  /** Hours a commit-log segment is kept. */
  fileReservedTime: number;
  /** Hour(s) of the day when expired files are deleted, e.g. "04" or "01;13". */
  deleteWhen: string;
  brokerPermission: number;
  /** Delay level table, e.g. "1s 5s 10s 30s 1m 2m ...". */
  messageDelayLevel: string;
  registerBrokerTimeoutMills: number;
  /** How often the broker re-registers with every NameServer. */
  registerNameServerPeriod: number;
  mappedFileSizeCommitLog: number;
  /** Bytes of the newest commit log kept in memory to serve pulls without file reads (Contrail-specific). */
  hotTailBytes: number;
  /** Drop fdatasync'ed commit-log pages older than pageCacheKeepBytes from the page cache (Contrail-specific). */
  dropPageCacheBehind: boolean;
  pageCacheKeepBytes: number;
  /** Flushed commit log below the checkpoint that an unclean start checks again (Contrail-specific). */
  recoveryCheckBytes: number;
  /** Commit log kept written with zeros ahead of the appends; unset: 16 MiB with SYNC_FLUSH, 8 MiB with mapped writes, else 0 (Contrail-specific). */
  zeroAheadBytes?: number | undefined;
  /** With ASYNC_FLUSH, appends encode straight into a shared mapping of the commit-log file (Contrail-specific). */
  mappedWrites: boolean;
  /** Once the process has gone quiet after work: a full collection and malloc_trim (Contrail-specific). */
  returnMemoryWhenIdle: boolean;
  /** Pull size caps for records read from disk, and what counts as in memory (RocketMQ's keys). */
  maxTransferBytesOnMessageInDisk: number;
  maxTransferCountOnMessageInDisk: number;
  accessMessageInMemoryMaxRatio: number;
  /** Each stored record ends with a CRC32 of the whole record (`__CRC32#`), checked on recovery. */
  enabledAppendPropCRC: boolean;
  flushConsumerOffsetInterval: number;
  longPollingEnable: boolean;
  /** Hold time of a pull when long polling is off. */
  shortPollingTimeMills: number;
  /** Clients silent for this long are dropped from their groups. */
  channelExpiredTimeout: number;
  /** Lease of an orderly consumer's queue lock (LOCK_BATCH_MQ), in ms. */
  rebalanceLockMaxLiveTime: number;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  syncFlushTimeout: number;
  /** ASYNC_FLUSH: how often the commit log is fdatasync'ed, ms. */
  flushIntervalCommitLog: number;
  /** How often consume queues (and the index) are flushed, ms. */
  flushIntervalConsumeQueue: number;
  maxTransferCountOnMessageInMemory: number;
  maxTransferBytesOnMessageInMemory: number;
  /** Default max messages returned by QUERY_MESSAGE with _UNIQUE_KEY_QUERY. */
  defaultQueryMaxNum: number;
  /** Refuse half (transactional) messages with NO_PERMISSION. */
  rejectTransactionMessage: boolean;
  /** A half message older than this (ms) is checked back with its producer group. */
  transactionTimeOut: number;
  /** Checks before an unresolved half message is discarded to TRANS_CHECK_MAX_TIME_TOPIC. */
  transactionCheckMax: number;
  /** How often half messages are scanned for check-back (ms). */
  transactionCheckInterval: number;
  /** Arbitrary delivery times (TIMER_DELIVER_MS, TIMER_DELAY_SEC/MS, __STARTDELIVERTIME). */
  timerWheelEnable: boolean;
  /** Width of one timer-wheel slot (ms); delivery is never early, and late by about this at most. */
  timerPrecisionMs: number;
  /** Longest accepted delay (s). */
  timerMaxDelaySec: number;
  /** How often the timer log, wheel and checkpoint are flushed (ms). */
  timerFlushIntervalMs: number;
  /**
   * The gRPC door (RocketMQ 5 MessagingService): 0 picks a free port, -1 turns it off. Left
   * out of options given in code that ask for listenPort 0, it is 0 too (see Broker).
   */
  grpcListenPort: number;
  /** Long-polling time the gRPC door tells push consumers (ms); their shutdown waits this long at most. */
  grpcLongPollingTimeoutMs: number;
  /** PROM serves Prometheus metrics (RocketMQ 5's names) over HTTP at /metrics; DISABLE does not. */
  metricsExporterType: 'DISABLE' | 'PROM';
  /** The metrics port (0 picks a free one). */
  metricsPromExporterPort: number;
  /** The address the metrics port binds; empty: bindAddress. */
  metricsPromExporterHost: string;
  /** Constant labels added to every series: "key:value,key:value". */
  metricsLabel: string;
}

export const DEFAULT_MESSAGE_DELAY_LEVEL = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

export function defaultBrokerConfig(): BrokerConfig {
  return {
    brokerClusterName: 'DefaultCluster',
    brokerName: hostname(),
    brokerId: 0,
    namesrvAddr: splitNamesrvAddr(process.env.NAMESRV_ADDR ?? ''),
    listenPort: 10911,
    bindAddress: '0.0.0.0',
    brokerIP1: localIPv4(),
    storePathRootDir: join(homedir(), 'store'),
    flushDiskType: 'ASYNC_FLUSH',
    brokerRole: 'ASYNC_MASTER',
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    defaultTopicQueueNums: 8,
    maxMessageSize: 4 * 1024 * 1024,
    fileReservedTime: 72,
    deleteWhen: '04',
    brokerPermission: 6,
    messageDelayLevel: DEFAULT_MESSAGE_DELAY_LEVEL,
    registerBrokerTimeoutMills: 6000,
    registerNameServerPeriod: 30_000,
    mappedFileSizeCommitLog: 1024 * 1024 * 1024,
    hotTailBytes: 16 * 1024 * 1024,
    dropPageCacheBehind: true,
    pageCacheKeepBytes: 256 * 1024 * 1024,
    recoveryCheckBytes: 64 * 1024 * 1024,
    returnMemoryWhenIdle: true,
    mappedWrites: true,
    maxTransferBytesOnMessageInDisk: 64 * 1024,
    maxTransferCountOnMessageInDisk: 8,
    accessMessageInMemoryMaxRatio: 40,
    enabledAppendPropCRC: false,
    flushConsumerOffsetInterval: 5000,
    longPollingEnable: true,
    shortPollingTimeMills: 1000,
    channelExpiredTimeout: 120_000,
    rebalanceLockMaxLiveTime: 60_000,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    syncFlushTimeout: 5000,
    flushIntervalCommitLog: 500,
    flushIntervalConsumeQueue: 1000,
    // Above RocketMQ's 32 and 256 KiB: clients ask for 32 or fewer unless configured to ask
    // for more, and one that asks for more should get it (docs/broker.md).
    maxTransferCountOnMessageInMemory: 1024,
    maxTransferBytesOnMessageInMemory: 4 * 1024 * 1024,
    defaultQueryMaxNum: 32,
    rejectTransactionMessage: false,
    transactionTimeOut: 6000,
    transactionCheckMax: 15,
    transactionCheckInterval: 60_000,
    timerWheelEnable: true,
    timerPrecisionMs: 1000,
    timerMaxDelaySec: 3 * 24 * 3600,
    timerFlushIntervalMs: 1000,
    grpcListenPort: 8081,
    grpcLongPollingTimeoutMs: 20_000,
    metricsExporterType: 'DISABLE',
    metricsPromExporterPort: 5557,
    metricsPromExporterHost: '',
    metricsLabel: '',
  };
}

/** metricsLabel "key:value,key:value" as labels, or the first pair that is not one. */
export function parseMetricsLabels(text: string): { labels: Record<string, string> } | { bad: string } {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim().length === 0) continue;
    const at = pair.indexOf(':');
    const key = pair.slice(0, at).trim();
    if (at < 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) return { bad: pair };
    labels[key] = pair.slice(at + 1).trim();
  }
  return { labels };
}

export function splitNamesrvAddr(value: string): string[] {
  return value
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
