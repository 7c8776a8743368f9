// QueryRoute and QueryAssignment: a topic's queues on every broker of the cluster that has a
// gRPC door, each with its own door as the broker endpoint (this broker's from its topic
// table, the others' from the NameServers' route). Queue 0 is always readable and writable
// (the Node client only uses queues with id 0); a door picks the real queue itself on send
// and pops from all of its queues.
import { Perm, validateName } from '@contrail/common';
import type { TopicConfig } from '../topic/topic-config.js';
import type { BrokerQueues } from './cluster-routes.js';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse } from './grpc-status.js';
import type { PbBroker, PbMessageQueue, PbQueryAssignmentRequest, PbQueryRouteRequest, PbResource, PbStatus } from './proto-types.js';

const ACCEPT_ALL = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];


/** The resource's topic name; ILLEGAL_TOPIC when it is not a valid one. */
export function topicNameOf(r: PbResource | undefined): string {
  const name = r?.name ?? '';
  const why = validateName(name);
  if (why !== null) refuse(Code.ILLEGAL_TOPIC, why);
  return name;
}

export function topicOf(deps: DoorDeps, r: PbResource | undefined): TopicConfig {
  const name = topicNameOf(r);
  const tc = deps.core.services.topics.get(name);
  if (tc === undefined) refuse(Code.TOPIC_NOT_FOUND, `topic[${name}] not exist`);
  return tc;
}

export function groupOf(r: PbResource | undefined): string {
  const name = r?.name ?? '';
  const why = validateName(name, 'consumer group');
  if (why !== null) refuse(Code.ILLEGAL_CONSUMER_GROUP, why);
  return name;
}

function permission(perm: number): string {
  const r = (perm & Perm.READ) !== 0;
  const w = (perm & Perm.WRITE) !== 0;
  return r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
}

/** This broker's share of the topic, from its own topic table. */
function ownQueues(deps: DoorDeps, tc: TopicConfig): BrokerQueues {
  return { brokerName: deps.brokerName, endpoints: deps.endpoints(), readQueueNums: tc.readQueueNums, writeQueueNums: tc.writeQueueNums, perm: tc.perm };
}

/** Every broker's share of the topic (this one first), or TOPIC_NOT_FOUND when none has it. */
async function clusterQueues(deps: DoorDeps, r: PbResource | undefined): Promise<{ topic: string; brokers: BrokerQueues[] }> {
  const topic = topicNameOf(r);
  const local = deps.core.services.topics.get(topic);
  const peers = await deps.routes.peers(topic);
  if (local === undefined && peers.length === 0) refuse(Code.TOPIC_NOT_FOUND, `topic[${topic}] not exist`);
  return { topic, brokers: local === undefined ? peers : [ownQueues(deps, local), ...peers] };
}

function brokerOf(b: BrokerQueues): PbBroker {
  return { name: b.brokerName, id: 0, endpoints: b.endpoints };
}

export async function queryRoute(deps: DoorDeps, call: CallLike, req: PbQueryRouteRequest): Promise<{ status: PbStatus; message_queues: PbMessageQueue[] }> {
  callContext(call);
  const { topic, brokers } = await clusterQueues(deps, req.topic);
  const queues: PbMessageQueue[] = [];
  for (const b of brokers) {
    const broker = brokerOf(b);
    const n = Math.max(1, b.readQueueNums, b.writeQueueNums);
    for (let id = 0; id < n; id++) {
      let perm = b.perm & (Perm.READ | Perm.WRITE);
      if (id >= b.readQueueNums && id !== 0) perm &= ~Perm.READ;
      if (id >= b.writeQueueNums && id !== 0) perm &= ~Perm.WRITE;
      queues.push({ topic: { name: topic }, id, permission: permission(perm), broker, accept_message_types: ACCEPT_ALL });
    }
  }
  return { status: OK, message_queues: queues };
}

export async function queryAssignment(
  deps: DoorDeps,
  call: CallLike,
  req: PbQueryAssignmentRequest,
): Promise<{ status: PbStatus; assignments: { message_queue: PbMessageQueue }[] }> {
  callContext(call);
  const group = groupOf(req.group);
  const { topic, brokers } = await clusterQueues(deps, req.topic);
  const readable = brokers.filter((b) => (b.perm & Perm.READ) !== 0);
  if (readable.length === 0) refuse(Code.FORBIDDEN, `no readable queue of topic ${topic}`);
  const fifo = deps.pop.groupPolicy(group).fifo;
  const assignments: { message_queue: PbMessageQueue }[] = [];
  for (const b of readable) {
    const broker = brokerOf(b);
    // FIFO groups get one assignment per queue, others one per broker (id -1), as the proxy does.
    const ids = fifo ? Array.from({ length: b.readQueueNums }, (_, i) => i) : [-1];
    for (const id of ids) assignments.push({ message_queue: { topic: { name: topic }, id, permission: 'READ_WRITE', broker, accept_message_types: ACCEPT_ALL } });
  }
  return { status: OK, assignments };
}
