// QUERY_MESSAGE (12, by key; by UNIQ_KEY with _UNIQUE_KEY_QUERY=true) and
// VIEW_MESSAGE_BY_ID (33, by commit-log offset).
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export async function processQueryMessage(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  const r = await core.queryMessage(
    h.str('topic'),
    h.str('key'),
    h.optInt('maxNum') ?? 32,
    h.optLong('beginTimestamp') ?? 0,
    h.optLong('endTimestamp') ?? Number.MAX_SAFE_INTEGER,
    h.optStr('_UNIQUE_KEY_QUERY') === 'true',
  );
  const ext = { indexLastUpdateTimestamp: String(r.indexLastUpdateTimestamp), indexLastUpdatePhyoffset: String(r.indexLastUpdatePhyoffset) };
  return ok(request, ext, r.buffers);
}

export async function processViewMessageById(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const offset = new RequestHeader(request.extFields).int('offset');
  return ok(request, {}, await core.viewMessageByOffset(offset));
}
