// Read-only cluster inspection, as mqadmin's clusterList, getBrokerConfig, topicStatus and
// consumerProgress: which brokers run, with what settings, how far each queue of a topic
// reaches, and how far behind a consumer group is on each queue.
import { ContrailError, RETRY_GROUP_TOPIC_PREFIX, javaPropertiesRecord, parseLenientJson } from '@contrail/common';
import { masterAddr, type TopicRouteData } from '@contrail/client';
import { RequestCode, ResponseCode } from '@contrail/remoting';
import type { AdminClient } from './admin-client.js';

export interface BrokerSummary {
  cluster: string;
  brokerName: string;
  brokerId: number;
  addr: string;
  /** GET_BROKER_RUNTIME_INFO's table; undefined when the broker did not answer. */
  runtime: Record<string, string> | undefined;
}

export interface QueueStatus {
  brokerName: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
}

export interface QueueProgress {
  topic: string;
  brokerName: string;
  queueId: number;
  /** The queue's max offset. */
  brokerOffset: number;
  /** The group's committed offset; -1 when it has none. */
  consumerOffset: number;
  /** Messages not yet consumed: brokerOffset minus the committed offset (or the queue's min offset). */
  lag: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringTable(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/** Every registered broker (master and slaves), by cluster, with its runtime figures. */
export async function clusterList(admin: AdminClient): Promise<BrokerSummary[]> {
  const info = await admin.clusterInfo();
  const clusterOf = new Map<string, string>();
  for (const [cluster, names] of Object.entries(info.clusterAddrTable)) for (const n of names) clusterOf.set(n, cluster);
  const rows: BrokerSummary[] = [];
  for (const bd of Object.values(info.brokerAddrTable)) {
    for (const [id, addr] of Object.entries(bd.brokerAddrs)) {
      rows.push({ cluster: clusterOf.get(bd.brokerName) ?? bd.cluster, brokerName: bd.brokerName, brokerId: Number(id), addr, runtime: undefined });
    }
  }
  await Promise.all(
    rows.map(async (r) => {
      try {
        r.runtime = await brokerRuntimeInfo(admin, r.addr);
      } catch {
        // Registered but not answering: listed without figures.
      }
    }),
  );
  return rows.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.brokerName.localeCompare(b.brokerName) || a.brokerId - b.brokerId);
}

export async function brokerRuntimeInfo(admin: AdminClient, addr: string): Promise<Record<string, string>> {
  const res = await admin.brokerRequest(addr, RequestCode.GET_BROKER_RUNTIME_INFO);
  const raw = parseLenientJson(res.body?.toString('utf8') ?? '{}');
  return stringTable(isRecord(raw) ? raw.table : undefined);
}

/** GET_BROKER_CONFIG: the broker's settings, key by key. */
export async function brokerConfig(admin: AdminClient, addr: string): Promise<Record<string, string>> {
  const res = await admin.brokerRequest(addr, RequestCode.GET_BROKER_CONFIG);
  return javaPropertiesRecord(res.body?.toString('utf8') ?? '');
}

/** The master address of the named broker. */
export async function brokerAddrByName(admin: AdminClient, brokerName: string): Promise<string> {
  const addr = masterAddr((await admin.clusterInfo()).brokerAddrTable[brokerName]);
  if (addr === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `broker ${brokerName} has no live master`);
  return addr;
}

/** Each read queue of the topic on each master, with its min and max offset. */
export async function topicStatus(admin: AdminClient, topic: string): Promise<QueueStatus[]> {
  const route = await admin.topicRoute(topic);
  const rows: QueueStatus[] = [];
  for (const { brokerName, addr, queueId } of readQueues(route)) {
    const ext = { topic, queueId: String(queueId) };
    const [min, max] = await Promise.all([admin.brokerRequest(addr, RequestCode.GET_MIN_OFFSET, ext), admin.brokerRequest(addr, RequestCode.GET_MAX_OFFSET, ext)]);
    rows.push({ brokerName, queueId, minOffset: Number(min.extFields.offset ?? 0), maxOffset: Number(max.extFields.offset ?? 0) });
  }
  return rows;
}

/**
 * How far the group is behind on each queue of its topics: the given ones, else the topics it
 * has offsets for on any master (its %RETRY% topic included) and those its online consumers
 * subscribe to.
 */
export async function consumerProgress(admin: AdminClient, group: string, topics?: readonly string[]): Promise<QueueProgress[]> {
  const names = topics !== undefined && topics.length > 0 ? [...topics] : await topicsOfGroup(admin, group);
  if (names.length === 0) {
    throw new ContrailError('SUBSCRIPTION_GROUP_NOT_EXIST', `group ${group} has no committed offsets and no online consumer; name its topics with --topic`);
  }
  const rows: QueueProgress[] = [];
  for (const topic of names.sort()) {
    let route: TopicRouteData;
    try {
      route = await admin.topicRoute(topic);
    } catch (err) {
      // A retry topic that was never created has no route: nothing to be behind on.
      if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) continue;
      throw err;
    }
    for (const { brokerName, addr, queueId } of readQueues(route)) {
      const ext = { topic, queueId: String(queueId) };
      const max = Number((await admin.brokerRequest(addr, RequestCode.GET_MAX_OFFSET, ext)).extFields.offset ?? 0);
      let consumerOffset = -1;
      try {
        const res = await admin.brokerRequest(addr, RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, ...ext, setZeroIfNotFound: 'false' });
        consumerOffset = Number(res.extFields.offset ?? -1);
      } catch (err) {
        if (!(err instanceof ContrailError && err.responseCode === ResponseCode.QUERY_NOT_FOUND)) throw err;
      }
      const from = consumerOffset >= 0 ? consumerOffset : Number((await admin.brokerRequest(addr, RequestCode.GET_MIN_OFFSET, ext)).extFields.offset ?? 0);
      rows.push({ topic, brokerName, queueId, brokerOffset: max, consumerOffset, lag: Math.max(0, max - from) });
    }
  }
  return rows;
}

export interface GroupSummary {
  group: string;
  /** Brokers (master names) that hold the group's subscription config. */
  brokerNames: string[];
  /** A group the brokers create for themselves (RocketMQ's system groups). */
  system: boolean;
}

/** The broker's own groups, created on every start (not the application's). */
const SYSTEM_GROUPS: ReadonlySet<string> = new Set([
  'TOOLS_CONSUMER',
  'FILTERSRV_CONSUMER',
  'SELF_TEST_C_GROUP',
  'CID_ONS-HTTP-PROXY',
  'CID_ONSAPI_PULL',
  'CID_ONSAPI_PERMISSION',
  'CID_ONSAPI_OWNER',
  'CID_RMQ_SYS_TRANS',
]);

export interface ConsumerGroups {
  /** Sorted by name. */
  groups: GroupSummary[];
  /** Masters that did not answer (their groups are missing from the list). */
  notAnswering: string[];
}

/** Every subscription group on the masters that answer (GET_ALL_SUBSCRIPTIONGROUP_CONFIG). */
export async function consumerGroups(admin: AdminClient): Promise<ConsumerGroups> {
  const byName = new Map<string, GroupSummary>();
  const notAnswering: string[] = [];
  const tables = await masterTables(admin, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, 'subscriptionGroupTable', (brokerName) => notAnswering.push(brokerName));
  for (const { brokerName, table } of tables) {
    for (const group of Object.keys(table)) {
      let g = byName.get(group);
      if (g === undefined) {
        g = { group, brokerNames: [], system: SYSTEM_GROUPS.has(group) || group.startsWith('CID_RMQ_SYS_') };
        byName.set(group, g);
      }
      g.brokerNames.push(brokerName);
    }
  }
  return { groups: [...byName.values()].sort((a, b) => a.group.localeCompare(b.group)), notAnswering };
}

/**
 * From every live master, in turn: the table under `field` of its JSON answer to `code`. A
 * master that fails goes to `onFailure` when given (and is left out), else the failure is thrown.
 */
async function masterTables(
  admin: AdminClient,
  code: number,
  field: string,
  onFailure?: (brokerName: string, err: unknown) => void,
): Promise<{ brokerName: string; addr: string; table: Record<string, unknown> }[]> {
  const info = await admin.clusterInfo();
  const out: { brokerName: string; addr: string; table: Record<string, unknown> }[] = [];
  for (const bd of Object.values(info.brokerAddrTable)) {
    const addr = masterAddr(bd);
    if (addr === undefined) continue;
    let res;
    try {
      res = await admin.brokerRequest(addr, code);
    } catch (err) {
      if (onFailure === undefined) throw err;
      onFailure(bd.brokerName, err);
      continue;
    }
    const body = parseLenientJson(res.body?.toString('utf8') ?? '{}');
    const table = isRecord(body) ? body[field] : undefined;
    out.push({ brokerName: bd.brokerName, addr, table: isRecord(table) ? table : {} });
  }
  return out;
}

async function topicsOfGroup(admin: AdminClient, group: string): Promise<string[]> {
  const topics = new Set<string>();
  for (const { addr, table } of await masterTables(admin, RequestCode.GET_ALL_CONSUMER_OFFSET, 'offsetTable')) {
    for (const key of Object.keys(table)) {
      const at = key.lastIndexOf('@');
      if (at > 0 && key.slice(at + 1) === group) topics.add(key.slice(0, at));
    }
    try {
      const conn = parseLenientJson((await admin.brokerRequest(addr, RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: group })).body?.toString('utf8') ?? '{}');
      if (isRecord(conn) && isRecord(conn.subscriptionTable)) for (const t of Object.keys(conn.subscriptionTable)) topics.add(t);
    } catch (err) {
      if (!(err instanceof ContrailError && err.responseCode === ResponseCode.CONSUMER_NOT_ONLINE)) throw err;
    }
  }
  return [...topics];
}

function readQueues(route: TopicRouteData): { brokerName: string; addr: string; queueId: number }[] {
  const out: { brokerName: string; addr: string; queueId: number }[] = [];
  for (const qd of [...route.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName))) {
    const addr = masterAddr(route.brokerDatas.find((b) => b.brokerName === qd.brokerName));
    if (addr === undefined) continue;
    for (let queueId = 0; queueId < qd.readQueueNums; queueId++) out.push({ brokerName: qd.brokerName, addr, queueId });
  }
  return out;
}
