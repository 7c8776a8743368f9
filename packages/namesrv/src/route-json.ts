// Response bodies in the JSON that clients parse: standard JSON (quoted keys, non-ASCII
// escaped, as 4.9.4+ NameServers send with BrowserCompatible), fields and map keys sorted.

import type { TopicRoute } from './route-info-manager.js';
import type { BrokerData } from './route-types.js';

/** JSON.stringify, with every non-ASCII character escaped as fastjson's BrowserCompatible does. */
export function asciiJson(value: unknown): Buffer {
  const json = JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(json, 'utf8');
}

function byName<T extends { brokerName: string }>(a: T, b: T): number {
  return a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0;
}

function sortedRecord<V>(entries: Iterable<[string, V]>): Record<string, V> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** BrokerData as JSON: brokerAddrs keyed by the id as a string ("0" is the master). */
export function brokerDataJson(bd: BrokerData): { brokerAddrs: Record<string, string>; brokerName: string; cluster: string } {
  const ids = [...bd.brokerAddrs.keys()].sort((a, b) => a - b);
  const brokerAddrs: Record<string, string> = {};
  for (const id of ids) brokerAddrs[String(id)] = bd.brokerAddrs.get(id) as string;
  return { brokerAddrs, brokerName: bd.brokerName, cluster: bd.cluster };
}

/** TopicRouteData (remoting.md section 3). */
export function topicRouteJson(route: TopicRoute, orderTopicConf: string | undefined): Buffer {
  const body: Record<string, unknown> = {
    brokerDatas: [...route.brokerDatas].sort(byName).map(brokerDataJson),
    filterServerTable: sortedRecord(route.filterServerTable),
  };
  if (orderTopicConf !== undefined) body.orderTopicConf = orderTopicConf;
  body.queueDatas = [...route.queueDatas].sort(byName).map((q) => ({
    brokerName: q.brokerName,
    perm: q.perm,
    readQueueNums: q.readQueueNums,
    topicSysFlag: q.topicSysFlag,
    writeQueueNums: q.writeQueueNums,
  }));
  return asciiJson(body);
}

/** ClusterInfo: {"brokerAddrTable":{name:BrokerData},"clusterAddrTable":{cluster:[name]}}. */
export function clusterInfoJson(brokers: Map<string, BrokerData>, clusters: Map<string, Set<string>>): Buffer {
  const brokerAddrTable = sortedRecord([...brokers].map(([name, bd]) => [name, brokerDataJson(bd)] as [string, unknown]));
  const clusterAddrTable = sortedRecord([...clusters].map(([c, names]) => [c, [...names].sort()] as [string, string[]]));
  return asciiJson({ brokerAddrTable, clusterAddrTable });
}

/** TopicList: {"topicList":[...]}. */
export function topicListJson(topics: string[]): Buffer {
  return asciiJson({ topicList: [...topics].sort() });
}
