// The route model the NameServer keeps and serves, named as in RocketMQ.

export { Perm } from '@contrail/common';

export interface DataVersion {
  timestamp: number;
  counter: number;
  /** 5.x only. */
  stateVersion?: number;
}

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
}

/** One broker's share of a topic: the same record a client reads from a route. */
export type { QueueData } from '@contrail/common';

/** A broker group: master (id 0) and slaves under one brokerName. */
export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId -> "ip:port". */
  brokerAddrs: Map<number, string>;
}

export interface RegisterBrokerBody {
  topicConfigTable: Map<string, TopicConfig>;
  dataVersion: DataVersion;
  filterServerList: string[];
}

export function sameDataVersion(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter && (a.stateVersion ?? 0) === (b.stateVersion ?? 0);
}
