// RecallMessage: the client sends it to its access point, which may not hold the message.
// The handle names the broker that does: this one recalls it itself, another one is asked
// over remoting (RECALL_MESSAGE), found through the NameServers' route of the topic.
import { ContrailError, decodeRecallHandle } from '@contrail/common';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { OK } from './grpc-status.js';
import type { PbRecallMessageRequest, PbStatus } from './proto-types.js';
import { topicNameOf } from './route-handlers.js';

export async function recallMessage(deps: DoorDeps, call: CallLike, req: PbRecallMessageRequest): Promise<{ status: PbStatus; message_id: string }> {
  const ctx = callContext(call);
  const topic = topicNameOf(req.topic);
  const recallHandle = req.recall_handle ?? '';
  const handle = decodeRecallHandle(recallHandle);
  if (handle.brokerName === deps.brokerName) {
    const id = await deps.core.recallMessage({ topic, recallHandle, producerGroup: '' }, ctx.peer);
    return { status: OK, message_id: id };
  }
  const addr = await deps.routes.brokerAddr(topic, handle.brokerName);
  if (addr === undefined) throw new ContrailError('ILLEGAL_OPERATION', `recall failed, broker ${handle.brokerName} is not in the route of ${topic}`);
  const id = await deps.routes.recallOn(addr, topic, recallHandle);
  return { status: OK, message_id: id };
}
