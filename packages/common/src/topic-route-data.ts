// TopicRouteData as a NameServer returns it (GET_ROUTEINFO_BY_TOPIC): which brokers hold a
// topic's queues and where they listen. Clients and brokers (the gRPC door) both read it.
import { ContrailError } from './errors.js';
import { parseLenientJson } from './lenient-json.js';
import { Perm } from './message-const.js';

export const MASTER_ID = 0;

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId (decimal string; "0" is the master) → "ip:port". */
  brokerAddrs: Record<string, string>;
}

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface TopicRouteData {
  /** "brokerA:4;brokerB:4" for globally ordered topics; absent otherwise. */
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, fallback = 0): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
}

export function parseBrokerData(v: unknown): BrokerData {
  if (!isRecord(v) || typeof v.brokerName !== 'string') throw new TypeError('brokerData without brokerName');
  const brokerAddrs: Record<string, string> = {};
  if (isRecord(v.brokerAddrs)) {
    for (const [id, addr] of Object.entries(v.brokerAddrs)) {
      if (typeof addr === 'string' && /^-?\d+$/.test(id)) brokerAddrs[String(Number(id))] = addr;
    }
  }
  return { cluster: typeof v.cluster === 'string' ? v.cluster : '', brokerName: v.brokerName, brokerAddrs };
}

/** Parses a route body: standard JSON or fastjson's unquoted numeric brokerAddrs keys. */
export function parseTopicRouteData(body: Buffer | string): TopicRouteData {
  let raw: unknown;
  try {
    raw = parseLenientJson(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new ContrailError('SYSTEM_ERROR', `cannot parse topic route: ${String(err)}`, { cause: err });
  }
  if (!isRecord(raw)) throw new ContrailError('SYSTEM_ERROR', 'topic route is not a JSON object');
  const queueDatas: QueueData[] = [];
  for (const q of Array.isArray(raw.queueDatas) ? raw.queueDatas : []) {
    if (!isRecord(q) || typeof q.brokerName !== 'string') continue;
    queueDatas.push({
      brokerName: q.brokerName,
      readQueueNums: num(q.readQueueNums),
      writeQueueNums: num(q.writeQueueNums),
      perm: num(q.perm, Perm.READ | Perm.WRITE),
      // Clients up to 4.8 named it topicSynFlag.
      topicSysFlag: num(q.topicSysFlag ?? q.topicSynFlag),
    });
  }
  const brokerDatas: BrokerData[] = [];
  for (const b of Array.isArray(raw.brokerDatas) ? raw.brokerDatas : []) {
    try {
      brokerDatas.push(parseBrokerData(b));
    } catch {
      // An entry we cannot use is skipped; the rest of the route still serves.
    }
  }
  const route: TopicRouteData = { queueDatas, brokerDatas };
  if (typeof raw.orderTopicConf === 'string' && raw.orderTopicConf.length > 0) route.orderTopicConf = raw.orderTopicConf;
  return route;
}

export function masterAddr(bd: BrokerData | undefined): string | undefined {
  return bd?.brokerAddrs[String(MASTER_ID)];
}

/** The master's address, else (for reads) the lowest-numbered slave. */
export function anyAddr(bd: BrokerData | undefined): string | undefined {
  if (bd === undefined) return undefined;
  const master = masterAddr(bd);
  if (master !== undefined) return master;
  const ids = Object.keys(bd.brokerAddrs)
    .map(Number)
    .sort((a, b) => a - b);
  return ids.length > 0 ? bd.brokerAddrs[String(ids[0])] : undefined;
}
