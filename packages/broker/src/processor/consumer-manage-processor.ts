// GET_CONSUMER_LIST_BY_GROUP (38), QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15).
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export function processGetConsumerList(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const group = new RequestHeader(request.extFields).str('consumerGroup');
  const consumerIdList = core.getConsumerIdList(group);
  return ok(request, {}, Buffer.from(JSON.stringify({ consumerIdList }), 'utf8'));
}

export function processQueryConsumerOffset(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  const offset = core.queryConsumerOffset(h.str('consumerGroup'), h.str('topic'), h.int('queueId'), h.optStr('setZeroIfNotFound') !== 'false');
  return ok(request, { offset: String(offset) });
}

export function processUpdateConsumerOffset(core: MessagingCore, request: RemotingCommand): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  core.updateConsumerOffset(h.str('consumerGroup'), h.str('topic'), h.int('queueId'), h.int('commitOffset'));
  return ok(request);
}
