// Heartbeat and NotifyClientTermination: membership in the broker's client managers.
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { heartbeatOf } from './grpc-clients.js';
import { OK } from './grpc-status.js';
import type { PbHeartbeatRequest, PbNotifyClientTerminationRequest, PbStatus } from './proto-types.js';


export function heartbeat(deps: DoorDeps, call: CallLike, req: PbHeartbeatRequest): { status: PbStatus } {
  const ctx = callContext(call);
  const client = deps.clients.ensure(ctx.clientId, ctx.peer);
  const hb = heartbeatOf(ctx.clientId, client.settings);
  const group = req.group?.name;
  if (group !== undefined && group.length > 0 && !hb.consumers.some((c) => c.groupName === group)) {
    hb.consumers.push({ groupName: group, consumeType: 'CONSUME_POP', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptions: [], unitMode: false });
  }
  deps.core.heartbeat(client.channel, hb);
  return { status: OK };
}

export function notifyClientTermination(deps: DoorDeps, call: CallLike, _req: PbNotifyClientTerminationRequest): { status: PbStatus } {
  const ctx = callContext(call);
  const client = deps.clients.get(ctx.clientId);
  if (client !== undefined) deps.core.channelClosed(client.channel.id);
  return { status: OK };
}
