// TopicRouteData as a NameServer returns it (GET_ROUTEINFO_BY_TOPIC), and the two queue lists
// a client derives from it: where it may send (publish) and where it may pull (subscribe).
import { ContrailError, Perm } from '@contrail/common';
import { parseLenientJson } from './lenient-json.js';
import { compareQueues, type MessageQueue } from './message-queue.js';

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

export interface PublishInfo {
  /** Writable queues on brokers that have a master, sorted by brokerName then queueId. */
  queues: MessageQueue[];
  /** True when the list comes from orderTopicConf. */
  orderTopic: boolean;
}

/** The queues a producer may send to (RocketMQ's topicRouteData2TopicPublishInfo). */
export function publishInfo(topic: string, route: TopicRouteData): PublishInfo {
  const queues: MessageQueue[] = [];
  if (route.orderTopicConf !== undefined) {
    for (const item of route.orderTopicConf.split(';')) {
      const [brokerName, count] = item.split(':');
      if (brokerName === undefined || brokerName.length === 0) continue;
      const n = Number(count);
      for (let i = 0; i < n; i++) queues.push({ topic, brokerName, queueId: i });
    }
    return { queues, orderTopic: true };
  }
  const sorted = [...route.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
  for (const qd of sorted) {
    if ((qd.perm & Perm.WRITE) === 0) continue;
    const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
    if (masterAddr(bd) === undefined) continue;
    for (let i = 0; i < qd.writeQueueNums; i++) queues.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return { queues, orderTopic: false };
}

/** The queues a consumer may pull from, sorted. */
export function subscribeQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if ((qd.perm & Perm.READ) === 0) continue;
    for (let i = 0; i < qd.readQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return out.sort(compareQueues);
}
