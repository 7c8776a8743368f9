// How each broker.conf key is read and checked. Keys RocketMQ knows but Contrail does not
// use are listed as ignored so that a real broker.conf loads without noise.
import { isIPv4 } from 'node:net';
import { parseMetricsLabels, splitNamesrvAddr, type BrokerConfig } from './broker-config.js';
import { parseDelayLevels } from './delay-levels.js';

export type RawValue = string | number | boolean | readonly string[];

/** Turns a raw value into the config value, or returns why it is invalid. */
type Reader = (raw: RawValue) => { value: unknown } | { error: string };

function text(raw: RawValue): string {
  return Array.isArray(raw) ? raw.join(';') : String(raw);
}

function int(min: number, max = Number.MAX_SAFE_INTEGER): Reader {
  return (raw) => {
    const s = text(raw).trim();
    if (!/^-?\d+$/.test(s)) return { error: `must be an integer, got ${JSON.stringify(s)}` };
    const n = Number(s);
    if (n < min || n > max) return { error: `must be between ${min} and ${max}, got ${n}` };
    return { value: n };
  };
}

const bool: Reader = (raw) => {
  const s = text(raw).trim().toLowerCase();
  if (s === 'true') return { value: true };
  if (s === 'false') return { value: false };
  return { error: `must be true or false, got ${JSON.stringify(text(raw))}` };
};

function oneOf(...allowed: string[]): Reader {
  return (raw) => {
    const s = text(raw).trim();
    return allowed.includes(s) ? { value: s } : { error: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(s)}` };
  };
}

function str(allowEmpty = false): Reader {
  return (raw) => {
    const s = text(raw).trim();
    return s.length > 0 || allowEmpty ? { value: s } : { error: 'must not be empty' };
  };
}

const name: Reader = (raw) => {
  const s = text(raw).trim();
  return /^[a-zA-Z0-9_.%|-]+$/.test(s) ? { value: s } : { error: `must be a name of letters, digits and _-.%|, got ${JSON.stringify(s)}` };
};

/** "key:value,key:value" with Prometheus label names. */
const metricsLabels: Reader = (raw) => {
  const s = text(raw).trim();
  const parsed = parseMetricsLabels(s);
  return 'bad' in parsed ? { error: `must be key:value pairs separated by ',', got ${JSON.stringify(parsed.bad)}` } : { value: s };
};

const ipv4: Reader = (raw) => {
  const s = text(raw).trim();
  return isIPv4(s) ? { value: s } : { error: `must be an IPv4 address (clients decode only IPv4 store hosts), got ${JSON.stringify(s)}` };
};

const addrList: Reader = (raw) => {
  const list = Array.isArray(raw) ? raw.flatMap((r: string) => splitNamesrvAddr(r)) : splitNamesrvAddr(text(raw));
  for (const a of list) {
    if (!/^[^:\s]+:\d{1,5}$/.test(a)) return { error: `must be host:port entries separated by ';', got ${JSON.stringify(a)}` };
  }
  return { value: list };
};

const delayLevels: Reader = (raw) => {
  try {
    parseDelayLevels(text(raw));
    return { value: text(raw).trim() };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

export const CONFIG_READERS: { readonly [K in keyof BrokerConfig]-?: Reader } = {
  brokerClusterName: name,
  brokerName: name,
  brokerId: int(0),
  namesrvAddr: addrList,
  listenPort: int(0, 65535),
  bindAddress: str(),
  brokerIP1: ipv4,
  storePathRootDir: str(),
  flushDiskType: oneOf('ASYNC_FLUSH', 'SYNC_FLUSH'),
  brokerRole: oneOf('ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'),
  autoCreateTopicEnable: bool,
  autoCreateSubscriptionGroup: bool,
  defaultTopicQueueNums: int(1, 1024),
  maxMessageSize: int(1, 1024 * 1024 * 1024),
  fileReservedTime: int(0),
  deleteWhen: str(),
  brokerPermission: int(0, 15),
  messageDelayLevel: delayLevels,
  registerBrokerTimeoutMills: int(1),
  registerNameServerPeriod: int(1000),
  mappedFileSizeCommitLog: int(4096),
  hotTailBytes: int(4 * 1024 * 1024),
  dropPageCacheBehind: bool,
  pageCacheKeepBytes: int(0),
  recoveryCheckBytes: int(0),
  zeroAheadBytes: int(0),
  mappedWrites: bool,
  returnMemoryWhenIdle: bool,
  maxTransferBytesOnMessageInDisk: int(1, 64 * 1024 * 1024),
  maxTransferCountOnMessageInDisk: int(1, 65536),
  accessMessageInMemoryMaxRatio: int(0, 100),
  enabledAppendPropCRC: bool,
  flushConsumerOffsetInterval: int(100),
  longPollingEnable: bool,
  shortPollingTimeMills: int(0),
  channelExpiredTimeout: int(1000),
  rebalanceLockMaxLiveTime: int(1000),
  clusterTopicEnable: bool,
  brokerTopicEnable: bool,
  syncFlushTimeout: int(1),
  flushIntervalCommitLog: int(1),
  flushIntervalConsumeQueue: int(1),
  maxTransferCountOnMessageInMemory: int(1),
  maxTransferBytesOnMessageInMemory: int(1),
  defaultQueryMaxNum: int(1),
  rejectTransactionMessage: bool,
  transactionTimeOut: int(0),
  transactionCheckMax: int(0),
  transactionCheckInterval: int(10),
  timerWheelEnable: bool,
  timerPrecisionMs: int(10, 60_000),
  timerMaxDelaySec: int(1, 30 * 24 * 3600),
  timerFlushIntervalMs: int(10),
  grpcListenPort: int(-1, 65535),
  grpcLongPollingTimeoutMs: int(0, 300_000),
  metricsExporterType: oneOf('DISABLE', 'PROM'),
  metricsPromExporterPort: int(0, 65535),
  metricsPromExporterHost: str(true),
  metricsLabel: metricsLabels,
};

/** Other spellings accepted for a key. */
export const CONFIG_ALIASES: Readonly<Record<string, keyof BrokerConfig>> = {
  host: 'bindAddress',
  namesrv: 'namesrvAddr',
  grpcPort: 'grpcListenPort',
};

/** RocketMQ keys that are accepted and have no effect here. */
export const IGNORED_KEYS: ReadonlySet<string> = new Set([
  'storePathCommitLog',
  'storePathConsumeQueue',
  'storePathIndex',
  'storeCheckpoint',
  'abortFile',
  'haListenPort',
  'brokerIP2',
  'mapedFileSizeCommitLog',
  'mapedFileSizeConsumeQueue',
  'mappedFileSizeConsumeQueue',
  'diskMaxUsedSpaceRatio',
  'enablePropertyFilter',
  'aclEnable',
  'sendMessageThreadPoolNums',
  'pullMessageThreadPoolNums',
  'useReentrantLockWhenPutMessage',
  'waitTimeMillsInSendQueue',
  'transientStorePoolEnable',
  'traceTopicEnable',
  'slaveReadEnable',
  'fetchNamesrvAddrByAddressServer',
]);
