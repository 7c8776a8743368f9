// QueryRoute and QueryAssignment: this broker's queues of a topic, with this door as the
// broker endpoint. Queue 0 is always readable and writable (the Node client only uses
// queues with id 0); the door picks the real queue itself on send and pops from all of them.
import { Perm, validateName } from '@contrail/common';
import type { TopicConfig } from '../topic/topic-config.js';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse } from './grpc-status.js';
import type { PbMessageQueue, PbQueryAssignmentRequest, PbQueryRouteRequest, PbResource, PbStatus } from './proto-types.js';

const ACCEPT_ALL = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];


export function topicOf(deps: DoorDeps, r: PbResource | undefined): TopicConfig {
  const name = r?.name ?? '';
  const why = validateName(name);
  if (why !== null) refuse(Code.ILLEGAL_TOPIC, why);
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

export function queryRoute(deps: DoorDeps, call: CallLike, req: PbQueryRouteRequest): { status: PbStatus; message_queues: PbMessageQueue[] } {
  callContext(call);
  const tc = topicOf(deps, req.topic);
  const broker = { name: deps.brokerName, id: 0, endpoints: deps.endpoints() };
  const n = Math.max(1, tc.readQueueNums, tc.writeQueueNums);
  const queues: PbMessageQueue[] = [];
  for (let id = 0; id < n; id++) {
    let perm = tc.perm & (Perm.READ | Perm.WRITE);
    if (id >= tc.readQueueNums && id !== 0) perm &= ~Perm.READ;
    if (id >= tc.writeQueueNums && id !== 0) perm &= ~Perm.WRITE;
    queues.push({ topic: { name: tc.topicName }, id, permission: permission(perm), broker, accept_message_types: ACCEPT_ALL });
  }
  return { status: OK, message_queues: queues };
}

export function queryAssignment(deps: DoorDeps, call: CallLike, req: PbQueryAssignmentRequest): { status: PbStatus; assignments: { message_queue: PbMessageQueue }[] } {
  callContext(call);
  const tc = topicOf(deps, req.topic);
  const group = groupOf(req.group);
  if ((tc.perm & Perm.READ) === 0) refuse(Code.FORBIDDEN, `no readable queue of topic ${tc.topicName}`);
  const broker = { name: deps.brokerName, id: 0, endpoints: deps.endpoints() };
  const mq = (id: number): PbMessageQueue => ({ topic: { name: tc.topicName }, id, permission: 'READ_WRITE', broker, accept_message_types: ACCEPT_ALL });
  // FIFO groups get one assignment per queue, others one for the whole broker (id -1), as the proxy does.
  const ids = deps.pop.groupPolicy(group).fifo ? Array.from({ length: tc.readQueueNums }, (_, i) => i) : [-1];
  return { status: OK, assignments: ids.map((id) => ({ message_queue: mq(id) })) };
}
