// SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30), GET_MIN_OFFSET (31),
// GET_EARLIEST_MSG_STORETIME (32).
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export function processGetMaxOffset(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  return ok(request, { offset: String(core.getMaxOffset(h.str('topic'), h.int('queueId'))) });
}

export function processGetMinOffset(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  return ok(request, { offset: String(core.getMinOffset(h.str('topic'), h.int('queueId'))) });
}

export async function processSearchOffset(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  const offset = await core.searchOffsetByTimestamp(h.str('topic'), h.int('queueId'), h.optLong('timestamp') ?? 0);
  return ok(request, { offset: String(offset) });
}

export async function processEarliestMsgStoreTime(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  const timestamp = await core.getEarliestMessageStoreTime(h.str('topic'), h.int('queueId'));
  return ok(request, { timestamp: String(timestamp) });
}
