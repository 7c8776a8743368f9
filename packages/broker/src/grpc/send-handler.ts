// SendMessage: each message through the core's send path (validation, transactions, timers,
// the store), one result entry per message. transaction_id is the message id, as the real
// broker answers; a half message is remembered so EndTransaction can find it.
import { ERRORS } from '@contrail/common';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, status, statusOf } from './grpc-status.js';
import type { PbSendMessageRequest, PbSendResultEntry, PbStatus } from './proto-types.js';
import { toSendRequest } from './send-request.js';

export async function sendMessage(deps: DoorDeps, call: CallLike, req: PbSendMessageRequest): Promise<{ status: PbStatus; entries: PbSendResultEntry[] }> {
  const ctx = callContext(call);
  const messages = req.messages ?? [];
  if (messages.length === 0) return { status: status(Code.BAD_REQUEST, 'no message to send'), entries: [] };
  const entries: PbSendResultEntry[] = [];
  const topics = deps.core.services.topics;
  for (const msg of messages) {
    try {
      const { request, messageId, transactional } = toSendRequest(msg, {
        maxBodySize: deps.maxBodySize,
        writeQueueNums: (t) => topics.get(t)?.writeQueueNums,
      });
      if (transactional) {
        // Checks go to producers of the group: make this one known before its half message exists.
        const client = deps.clients.ensure(ctx.clientId, ctx.peer);
        deps.core.heartbeat(client.channel, { clientId: ctx.clientId, version: 0, consumers: [], producerGroups: [request.producerGroup] });
      }
      const r = await deps.core.sendMessage(request, { bornHost: ctx.peer });
      if (transactional) {
        deps.transactions.remember(messageId, {
          producerGroup: request.producerGroup,
          tranStateTableOffset: r.queueOffset,
          commitLogOffset: r.physicalOffset,
          clientId: ctx.clientId,
        });
      }
      const st = r.status === 'SEND_OK' ? OK : status(ERRORS[r.status].grpc, `stored, but ${r.status}`);
      const entry: PbSendResultEntry = { status: st, message_id: messageId, transaction_id: messageId, offset: r.queueOffset };
      if (r.recallHandle !== undefined) entry.recall_handle = r.recallHandle;
      entries.push(entry);
    } catch (err) {
      entries.push({ status: statusOf(err), message_id: msg.system_properties?.message_id ?? '' });
    }
  }
  const failed = entries.find((e) => e.status.code !== Code.OK);
  return { status: failed?.status ?? OK, entries };
}
