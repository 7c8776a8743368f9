// HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46).
import type { OutgoingCommand, ProcessorContext, RemotingCommand } from '@contrail/remoting';
import { ContrailError } from '@contrail/common';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { decodeHeartbeat } from './heartbeat-body.js';
import { RemotingClientChannel } from './remoting-client-channel.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export function processHeartbeat(core: MessagingCore, request: RemotingCommand, ctx: ProcessorContext): OutgoingCommand {
  core.heartbeat(RemotingClientChannel.of(ctx.connection), decodeHeartbeat(request.body, request.version));
  return ok(request);
}

export function processUnregisterClient(core: MessagingCore, request: RemotingCommand, ctx: ProcessorContext): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  core.unregisterClient(RemotingClientChannel.of(ctx.connection), h.optStr('producerGroup'), h.optStr('consumerGroup'));
  return ok(request);
}

/** Only TAG subscriptions are supported; anything else is refused up front. */
export function processCheckClientConfig(request: RemotingCommand): OutgoingCommand {
  let type = 'TAG';
  try {
    const j = JSON.parse((request.body ?? Buffer.from('{}')).toString('utf8')) as { subscriptionData?: { expressionType?: unknown } };
    if (typeof j.subscriptionData?.expressionType === 'string') type = j.subscriptionData.expressionType;
  } catch {
    throw new ContrailError('SYSTEM_ERROR', 'bad CHECK_CLIENT_CONFIG body');
  }
  if (type !== 'TAG') throw new ContrailError('SYSTEM_ERROR', `The broker does not support consumer to filter message by ${type}`);
  return ok(request);
}
