// The NameServer's whole state about brokers and topics: which clusters hold which broker
// groups, where each broker lives, which broker groups serve each topic's queues, and when
// each broker last registered. Pure bookkeeping: no I/O, the clock is passed in.

import type { RemotingConnection } from '@contrail/remoting';
import {
  Perm,
  sameDataVersion,
  type BrokerData,
  type DataVersion,
  type QueueData,
  type RegisterBrokerBody,
} from './route-types.js';

export const MASTER_ID = 0;

export interface BrokerLiveInfo {
  lastUpdateTimestamp: number;
  dataVersion: DataVersion;
  connection: RemotingConnection | undefined;
  haServerAddr: string;
}

export interface RegisterBrokerRequest {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  body: RegisterBrokerBody;
  connection: RemotingConnection | undefined;
}

export interface RegisterBrokerResult {
  haServerAddr: string;
  masterAddr: string;
}

export interface TopicRoute {
  brokerDatas: BrokerData[];
  queueDatas: QueueData[];
  filterServerTable: Map<string, string[]>;
}

export class RouteInfoManager {
  readonly clusterAddrTable = new Map<string, Set<string>>();
  readonly brokerAddrTable = new Map<string, BrokerData>();
  readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  readonly filterServerTable = new Map<string, string[]>();

  registerBroker(req: RegisterBrokerRequest, now: number): RegisterBrokerResult {
    const { clusterName, brokerAddr, brokerName, brokerId } = req;
    let names = this.clusterAddrTable.get(clusterName);
    if (names === undefined) this.clusterAddrTable.set(clusterName, (names = new Set()));
    names.add(brokerName);

    let brokerData = this.brokerAddrTable.get(brokerName);
    let first = false;
    if (brokerData === undefined) {
      first = true;
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // A slave promoted to master re-registers under id 0 from the same address: one id per address.
    for (const [id, addr] of brokerData.brokerAddrs) {
      if (addr === brokerAddr && id !== brokerId) brokerData.brokerAddrs.delete(id);
    }
    const oldAddr = brokerData.brokerAddrs.get(brokerId);
    brokerData.brokerAddrs.set(brokerId, brokerAddr);
    first ||= oldAddr === undefined;

    const { dataVersion, topicConfigTable, filterServerList } = req.body;
    if (brokerId === MASTER_ID && (first || this.isBrokerTopicConfigChanged(brokerAddr, dataVersion))) {
      for (const tc of topicConfigTable.values()) {
        this.#topicQueues(tc.topicName).set(brokerName, {
          brokerName,
          readQueueNums: tc.readQueueNums,
          writeQueueNums: tc.writeQueueNums,
          perm: tc.perm,
          topicSysFlag: tc.topicSysFlag,
        });
      }
    }
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdateTimestamp: now,
      dataVersion,
      connection: req.connection,
      haServerAddr: req.haServerAddr,
    });
    if (filterServerList.length === 0) this.filterServerTable.delete(brokerAddr);
    else this.filterServerTable.set(brokerAddr, filterServerList);

    const result: RegisterBrokerResult = { haServerAddr: '', masterAddr: '' };
    if (brokerId !== MASTER_ID) {
      const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
      const master = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
      if (masterAddr !== undefined && master !== undefined) {
        result.haServerAddr = master.haServerAddr;
        result.masterAddr = masterAddr;
      }
    }
    return result;
  }

  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const prev = this.brokerLiveTable.get(brokerAddr);
    return prev === undefined || !sameDataVersion(prev.dataVersion, dataVersion);
  }

  /** Marks the broker alive without a full registration (QUERY_DATA_VERSION, unchanged). */
  touch(brokerAddr: string, now: number): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live !== undefined) live.lastUpdateTimestamp = now;
  }

  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    const brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData === undefined) return;
    brokerData.brokerAddrs.delete(brokerId);
    if (brokerData.brokerAddrs.size > 0) return;
    this.#removeBrokerName(clusterName, brokerName);
  }

  /** Forgets the broker at `brokerAddr` (its connection closed or it went silent). */
  removeBrokerAddr(brokerAddr: string): void {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    for (const brokerData of this.brokerAddrTable.values()) {
      for (const [id, addr] of brokerData.brokerAddrs) {
        if (addr !== brokerAddr) continue;
        brokerData.brokerAddrs.delete(id);
        if (brokerData.brokerAddrs.size === 0) this.#removeBrokerName(brokerData.cluster, brokerData.brokerName);
        return;
      }
    }
  }

  /** The broker address whose registration came over `connection`, if any. */
  brokerAddrOf(connection: RemotingConnection): string | undefined {
    for (const [addr, live] of this.brokerLiveTable) if (live.connection === connection) return addr;
    return undefined;
  }

  /** Brokers whose last registration is older than `expiredMs`; they are removed. */
  scanNotActiveBroker(now: number, expiredMs: number): BrokerLiveInfo[] {
    const expired: BrokerLiveInfo[] = [];
    for (const [addr, live] of [...this.brokerLiveTable]) {
      if (live.lastUpdateTimestamp + expiredMs < now) {
        expired.push(live);
        this.removeBrokerAddr(addr);
      }
    }
    return expired;
  }

  pickupTopicRouteData(topic: string): TopicRoute | undefined {
    const queues = this.topicQueueTable.get(topic);
    if (queues === undefined) return undefined;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const brokerName of queues.keys()) {
      const bd = this.brokerAddrTable.get(brokerName);
      if (bd === undefined) continue;
      brokerDatas.push({ cluster: bd.cluster, brokerName: bd.brokerName, brokerAddrs: new Map(bd.brokerAddrs) });
      for (const addr of bd.brokerAddrs.values()) {
        const servers = this.filterServerTable.get(addr);
        if (servers !== undefined) filterServerTable.set(addr, servers);
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { brokerDatas, queueDatas: [...queues.values()].map((q) => ({ ...q })), filterServerTable };
  }

  /** Clears (wipe) or restores (add) write permission on every topic of `brokerName`; returns the topic count. */
  setWritePerm(brokerName: string, writable: boolean): number {
    let count = 0;
    for (const queues of this.topicQueueTable.values()) {
      const qd = queues.get(brokerName);
      if (qd === undefined) continue;
      // Like Java, adding write permission sets read|write outright.
      qd.perm = writable ? Perm.READ | Perm.WRITE : qd.perm & ~Perm.WRITE;
      count++;
    }
    return count;
  }

  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined || clusterName === '') {
      this.topicQueueTable.delete(topic);
      return;
    }
    const queues = this.topicQueueTable.get(topic);
    const names = this.clusterAddrTable.get(clusterName);
    if (queues === undefined || names === undefined) return;
    for (const name of names) queues.delete(name);
    if (queues.size === 0) this.topicQueueTable.delete(topic);
  }

  getAllTopicList(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  getTopicsByCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster);
    if (names === undefined) return [];
    const topics: string[] = [];
    for (const [topic, queues] of this.topicQueueTable) {
      for (const name of names) {
        if (queues.has(name)) {
          topics.push(topic);
          break;
        }
      }
    }
    return topics;
  }

  #topicQueues(topic: string): Map<string, QueueData> {
    let queues = this.topicQueueTable.get(topic);
    if (queues === undefined) this.topicQueueTable.set(topic, (queues = new Map()));
    return queues;
  }

  /** The broker group is gone: drop it from its cluster and its queues from every topic. */
  #removeBrokerName(clusterName: string, brokerName: string): void {
    this.brokerAddrTable.delete(brokerName);
    const names = this.clusterAddrTable.get(clusterName);
    if (names !== undefined) {
      names.delete(brokerName);
      if (names.size === 0) this.clusterAddrTable.delete(clusterName);
    }
    for (const [topic, queues] of [...this.topicQueueTable]) {
      queues.delete(brokerName);
      if (queues.size === 0) this.topicQueueTable.delete(topic);
    }
  }
}
