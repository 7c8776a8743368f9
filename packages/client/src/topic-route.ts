// The two queue lists a client derives from a topic's route (the route itself is common's
// TopicRouteData): where it may send (publish) and where it may pull (subscribe).
import { Perm, masterAddr, type TopicRouteData } from '@contrail/common';
import { compareQueues, type MessageQueue } from './message-queue.js';

export {
  MASTER_ID,
  anyAddr,
  masterAddr,
  parseBrokerData,
  parseTopicRouteData,
  type BrokerData,
  type QueueData,
  type TopicRouteData,
} from '@contrail/common';

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
