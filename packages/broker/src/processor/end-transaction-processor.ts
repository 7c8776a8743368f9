// END_TRANSACTION (37): a producer's commit, rollback or "unknown" for a half message, after
// its local transaction or in answer to CHECK_TRANSACTION_STATE. Clients send it oneway, so the
// answer is only written when one was asked for.
//
// Header: producerGroup | tranStateTableOffset | commitLogOffset | commitOrRollback (0/8/12)
//   | fromTransactionCheck | msgId | transactionId (| bname | topic, ignored)
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export async function processEndTransaction(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  await core.endTransaction({
    producerGroup: h.str('producerGroup'),
    tranStateTableOffset: h.int('tranStateTableOffset'),
    commitLogOffset: h.int('commitLogOffset'),
    commitOrRollback: h.int('commitOrRollback'),
    fromTransactionCheck: h.bool('fromTransactionCheck'),
    msgId: h.optStr('msgId'),
    transactionId: h.optStr('transactionId'),
  });
  return ok(request);
}
