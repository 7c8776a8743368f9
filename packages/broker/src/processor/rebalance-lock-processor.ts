// LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42) and GET_CONSUMER_CONNECTION_LIST (203).
// Bodies: {"consumerGroup","clientId","mqSet":[{"topic","brokerName","queueId"}]} → {"lockOKMQSet":[…]}.
import { ContrailError } from '@contrail/common';
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { LockQueue } from '../client/rebalance-lock-manager.js';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

interface LockBody {
  consumerGroup: string;
  clientId: string;
  mqSet: LockQueue[];
}

function decodeLockBody(body: Buffer | undefined): LockBody {
  let j: unknown;
  try {
    j = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw new ContrailError('SYSTEM_ERROR', 'bad lock batch body');
  }
  const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
  if (typeof o.consumerGroup !== 'string' || typeof o.clientId !== 'string') throw new ContrailError('SYSTEM_ERROR', 'lock batch body needs consumerGroup and clientId');
  const mqSet: LockQueue[] = [];
  for (const m of Array.isArray(o.mqSet) ? (o.mqSet as unknown[]) : []) {
    if (typeof m !== 'object' || m === null) continue;
    const q = m as Record<string, unknown>;
    const queueId = Number(q.queueId);
    if (typeof q.topic === 'string' && typeof q.brokerName === 'string' && Number.isInteger(queueId)) mqSet.push({ topic: q.topic, brokerName: q.brokerName, queueId });
  }
  return { consumerGroup: o.consumerGroup, clientId: o.clientId, mqSet };
}

export function processLockBatchMq(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const b = decodeLockBody(request.body);
  const lockOKMQSet = core.lockBatchMq(b.consumerGroup, b.clientId, b.mqSet);
  return ok(request, {}, Buffer.from(JSON.stringify({ lockOKMQSet }), 'utf8'));
}

export function processUnlockBatchMq(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const b = decodeLockBody(request.body);
  core.unlockBatchMq(b.consumerGroup, b.clientId, b.mqSet);
  return ok(request);
}

export function processGetConsumerConnectionList(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const group = new RequestHeader(request.extFields).str('consumerGroup');
  return ok(request, {}, Buffer.from(JSON.stringify(core.consumerConnection(group)), 'utf8'));
}
