// PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361). Every answer carries suggestWhichBrokerId,
// nextBeginOffset, minOffset and maxOffset (clients compute NaN offsets without them), and
// the status name as remark. The body is the store's record slices, not re-encoded, leased
// from the store until the response has been handed to the OS.
import { ResponseCode, createResponse, type OutgoingCommand, type ProcessorContext, type RemotingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import type { PullStatus } from '../messaging/pull-types.js';
import { RequestHeader } from './request-header.js';
import { errorResponse } from './respond.js';

const STATUS_CODE: Readonly<Record<PullStatus, number>> = {
  FOUND: ResponseCode.SUCCESS,
  NO_NEW_MSG: ResponseCode.PULL_NOT_FOUND,
  NO_MATCHED_MSG: ResponseCode.PULL_RETRY_IMMEDIATELY,
  OFFSET_ILLEGAL: ResponseCode.PULL_OFFSET_MOVED,
};

export async function processPull(core: MessagingCore, request: RemotingCommand, ctx: ProcessorContext): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  let topic = '';
  let queueId = 0;
  let queueOffset = 0;
  try {
    topic = h.str('topic');
    queueId = h.int('queueId');
    queueOffset = h.int('queueOffset');
    const r = await core.pullMessage(
      {
        consumerGroup: h.str('consumerGroup'),
        topic,
        queueId,
        queueOffset,
        maxMsgNums: h.optInt('maxMsgNums') ?? 32,
        sysFlag: h.optInt('sysFlag') ?? 0,
        commitOffset: h.optInt('commitOffset') ?? -1,
        suspendTimeoutMillis: h.optInt('suspendTimeoutMillis') ?? 15_000,
        subscription: h.optStr('subscription'),
        subVersion: h.optInt('subVersion') ?? 0,
        expressionType: h.optStr('expressionType'),
        maxMsgBytes: h.optInt('maxMsgBytes'),
        lease: true,
      },
      ctx.remoteAddress,
    );
    if (r.release !== undefined) ctx.afterResponse(r.release);
    const ext = {
      suggestWhichBrokerId: String(r.suggestWhichBrokerId),
      nextBeginOffset: String(r.nextBeginOffset),
      minOffset: String(r.minOffset),
      maxOffset: String(r.maxOffset),
    };
    const body = r.buffers.length > 0 ? r.buffers : undefined;
    return createResponse(request, STATUS_CODE[r.status], ext, body, r.storeStatus);
  } catch (err) {
    const res = errorResponse(request, err);
    res.extFields = safeOffsets(core, topic, queueId, queueOffset);
    return res;
  }
}

/** The offset fields for a failed pull: the request's offset and the queue's bounds if known. */
function safeOffsets(core: MessagingCore, topic: string, queueId: number, queueOffset: number): Record<string, string> {
  let min = 0;
  let max = 0;
  try {
    if (topic.length > 0) {
      min = core.getMinOffset(topic, queueId);
      max = core.getMaxOffset(topic, queueId);
    }
  } catch {
    // Bounds are best effort here; the response code tells the client what went wrong.
  }
  return { suggestWhichBrokerId: '0', nextBeginOffset: String(queueOffset), minOffset: String(min), maxOffset: String(max) };
}
