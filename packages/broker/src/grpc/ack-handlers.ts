// AckMessage, ChangeInvisibleDuration and ForwardMessageToDeadLetterQueue: what a consumer
// does with a received message, by receipt handle. Tiny invisible durations are accepted —
// the push consumer sends its retry delay in seconds as milliseconds.
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse, status, statusOf } from './grpc-status.js';
import { toMillis } from './pb-time.js';
import type { PbAckMessageRequest, PbChangeInvisibleDurationRequest, PbForwardToDlqRequest, PbStatus } from './proto-types.js';
import { groupOf, topicOf } from './route-handlers.js';

const MAX_INVISIBLE_MS = 12 * 3600_000;

interface AckEntryResult {
  message_id: string;
  receipt_handle: string;
  status: PbStatus;
}

export function ackMessage(deps: DoorDeps, call: CallLike, req: PbAckMessageRequest): { status: PbStatus; entries: AckEntryResult[] } {
  callContext(call);
  const group = groupOf(req.group);
  const topic = topicOf(deps, req.topic).topicName;
  const entries: AckEntryResult[] = [];
  for (const e of req.entries ?? []) {
    const receiptHandle = e.receipt_handle ?? '';
    let st: PbStatus = OK;
    try {
      deps.pop.ack({ group, topic, receiptHandle });
    } catch (err) {
      st = statusOf(err);
    }
    entries.push({ message_id: e.message_id ?? '', receipt_handle: receiptHandle, status: st });
  }
  if (entries.length === 0) return { status: status(Code.BAD_REQUEST, 'no entry to acknowledge'), entries };
  const failed = entries.filter((e) => e.status.code !== Code.OK);
  if (failed.length === 0) return { status: OK, entries };
  const first = failed[0];
  if (entries.length === 1 && first !== undefined) return { status: first.status, entries };
  return { status: status(30000, `${failed.length} of ${entries.length} acknowledgements failed`), entries };
}

export function changeInvisibleDuration(deps: DoorDeps, call: CallLike, req: PbChangeInvisibleDurationRequest): { status: PbStatus; receipt_handle?: string } {
  callContext(call);
  const group = groupOf(req.group);
  const topic = topicOf(deps, req.topic).topicName;
  const ms = toMillis(req.invisible_duration);
  if (ms === undefined || ms > MAX_INVISIBLE_MS) refuse(Code.ILLEGAL_INVISIBLE_TIME, `invisible_duration must be given and at most ${MAX_INVISIBLE_MS} ms`);
  const handle = deps.pop.changeInvisibleDuration({ group, topic, receiptHandle: req.receipt_handle ?? '' }, Math.max(0, ms));
  return { status: OK, receipt_handle: handle };
}

export async function forwardMessageToDeadLetterQueue(deps: DoorDeps, call: CallLike, req: PbForwardToDlqRequest): Promise<{ status: PbStatus }> {
  callContext(call);
  const group = groupOf(req.group);
  const topic = topicOf(deps, req.topic).topicName;
  await deps.pop.forwardToDeadLetterQueue({ group, topic, receiptHandle: req.receipt_handle ?? '' });
  return { status: OK };
}
