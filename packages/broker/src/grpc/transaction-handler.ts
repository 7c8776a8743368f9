// EndTransaction: the producer's (or a check's) verdict on a half message, found by the
// transaction id the send answered with, then the core's END_TRANSACTION.
import { TransactionState } from '../transaction/transaction-types.js';
import { callContext, type CallLike } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse } from './grpc-status.js';
import type { PbEndTransactionRequest, PbStatus } from './proto-types.js';
import { topicOf } from './route-handlers.js';

export async function endTransaction(deps: DoorDeps, call: CallLike, req: PbEndTransactionRequest): Promise<{ status: PbStatus }> {
  callContext(call);
  topicOf(deps, req.topic);
  const id = req.transaction_id ?? '';
  if (id.length === 0) refuse(Code.INVALID_TRANSACTION_ID, 'transaction_id is required');
  const half = deps.transactions.get(id) ?? deps.transactions.get(req.message_id ?? '');
  if (half === undefined) refuse(Code.INVALID_TRANSACTION_ID, `transaction ${id} is unknown or already ended`);
  const resolution = String(req.resolution ?? '');
  let commitOrRollback: number;
  if (resolution === 'COMMIT') commitOrRollback = TransactionState.COMMIT;
  else if (resolution === 'ROLLBACK') commitOrRollback = TransactionState.ROLLBACK;
  else return refuse(Code.BAD_REQUEST, `resolution must be COMMIT or ROLLBACK, got ${resolution || 'none'}`);
  await deps.core.endTransaction({
    producerGroup: half.producerGroup,
    tranStateTableOffset: half.tranStateTableOffset,
    commitLogOffset: half.commitLogOffset,
    commitOrRollback,
    fromTransactionCheck: String(req.source ?? '') === 'SOURCE_SERVER_CHECK',
    msgId: req.message_id,
    transactionId: id,
  });
  deps.transactions.forget(id);
  return { status: OK };
}
