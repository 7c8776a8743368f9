// The offset RPCs (the RocketMQ 5 pull model): PullMessage through the core's pull path,
// UpdateOffset / GetOffset on the group's consumer offsets, QueryOffset on queue offsets.
// The Node client 1.0.8 never calls them; Java and Go clients can.
import { decodeRecord } from '@contrail/common';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { PullSysFlag } from '../messaging/pull-types.js';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse, status, statusOf } from './grpc-status.js';
import { toPbMessage } from './message-codec.js';
import { toMillis } from './pb-time.js';
import type { PbGetOffsetRequest, PbMessageQueue, PbPullMessageRequest, PbPullMessageResponse, PbQueryOffsetRequest, PbStatus, PbUpdateOffsetRequest } from './proto-types.js';
import { groupOf, topicOf } from './route-handlers.js';

const DEADLINE_MARGIN_MS = 300;

function queueOf(deps: DoorDeps, mq: PbMessageQueue | undefined): { topic: string; queueId: number } {
  const tc = topicOf(deps, mq?.topic);
  const queueId = mq?.id ?? 0;
  if (!Number.isInteger(queueId) || queueId < 0 || queueId >= Math.max(tc.readQueueNums, tc.writeQueueNums)) {
    refuse(Code.BAD_REQUEST, `queue ${queueId} of topic ${tc.topicName} does not exist`);
  }
  return { topic: tc.topicName, queueId };
}

export async function pullMessage(deps: DoorDeps, call: ServerWritableStream<PbPullMessageRequest, PbPullMessageResponse>): Promise<void> {
  const req = call.request;
  try {
    const ctx = callContext(call);
    const group = groupOf(req.group);
    const { topic, queueId } = queueOf(deps, req.message_queue);
    const offset = req.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) refuse(40019, `illegal offset ${offset}`);
    if (String(req.filter_expression?.type ?? 'TAG') === 'SQL') refuse(Code.ILLEGAL_FILTER_EXPRESSION, 'SQL92 filtering is not supported yet');
    const lp = toMillis(req.long_polling_timeout) ?? 0;
    const suspend = Math.max(0, Math.min(lp, ctx.deadline - Date.now() - DEADLINE_MARGIN_MS));
    const r = await deps.core.pullMessage(
      {
        consumerGroup: group,
        topic,
        queueId,
        queueOffset: offset,
        maxMsgNums: req.batch_size !== undefined && req.batch_size > 0 ? req.batch_size : 32,
        sysFlag: PullSysFlag.SUBSCRIPTION | (suspend > 0 ? PullSysFlag.SUSPEND : 0),
        commitOffset: 0,
        suspendTimeoutMillis: suspend,
        subscription: req.filter_expression?.expression ?? '*',
        subVersion: 0,
        expressionType: 'TAG',
      },
      ctx.peer,
    );
    const st = r.status === 'FOUND' ? OK : r.status === 'OFFSET_ILLEGAL' ? status(40019, 'the offset is outside the queue') : status(Code.MESSAGE_NOT_FOUND, 'no new message');
    call.write({ status: st });
    for (const buf of r.buffers) call.write({ message: toPbMessage(decodeRecord(buf, 0, { strict: false })) });
    call.write({ next_offset: r.nextBeginOffset });
  } catch (err) {
    call.write({ status: statusOf(err) });
  }
  call.end();
}

export function updateOffset(deps: DoorDeps, call: CallLike, req: PbUpdateOffsetRequest): { status: PbStatus } {
  callContext(call);
  const group = groupOf(req.group);
  const { topic, queueId } = queueOf(deps, req.message_queue);
  const offset = req.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) refuse(40019, `illegal offset ${offset}`);
  deps.core.updateConsumerOffset(group, topic, queueId, offset);
  return { status: OK };
}

export function getOffset(deps: DoorDeps, call: CallLike, req: PbGetOffsetRequest): { status: PbStatus; offset?: number } {
  callContext(call);
  const group = groupOf(req.group);
  const { topic, queueId } = queueOf(deps, req.message_queue);
  return { status: OK, offset: deps.core.queryConsumerOffset(group, topic, queueId, false) };
}

export async function queryOffset(deps: DoorDeps, call: CallLike, req: PbQueryOffsetRequest): Promise<{ status: PbStatus; offset?: number }> {
  callContext(call);
  const { topic, queueId } = queueOf(deps, req.message_queue);
  const policy = String(req.query_offset_policy ?? 'BEGINNING');
  if (policy === 'END') return { status: OK, offset: deps.core.getMaxOffset(topic, queueId) };
  if (policy === 'TIMESTAMP') {
    const t = toMillis(req.timestamp);
    if (t === undefined) refuse(Code.BAD_REQUEST, 'TIMESTAMP needs a timestamp');
    return { status: OK, offset: await deps.core.searchOffsetByTimestamp(topic, queueId, t) };
  }
  return { status: OK, offset: deps.core.getMinOffset(topic, queueId) };
}
