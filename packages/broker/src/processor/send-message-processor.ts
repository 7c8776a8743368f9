// SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and
// CONSUMER_SEND_MSG_BACK (36): decode the header, call the core, encode the answer.
//
// V2 header: a producerGroup | b topic | c defaultTopic | d defaultTopicQueueNums | e queueId
//   | f sysFlag | g bornTimestamp | h flag | i properties | j reconsumeTimes | k unitMode
//   | l maxReconsumeTimes | m batch
import { RequestCode, ResponseCode, createResponse, type RemotingCommand, type ProcessorContext, type OutgoingCommand } from '@contrail/remoting';
import type { MessagingCore } from '../messaging/messaging-core.js';
import type { SendMessageRequest, SendStatus } from '../messaging/send-types.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

const STATUS_CODE: Readonly<Record<SendStatus, number>> = {
  SEND_OK: ResponseCode.SUCCESS,
  FLUSH_DISK_TIMEOUT: ResponseCode.FLUSH_DISK_TIMEOUT,
  FLUSH_SLAVE_TIMEOUT: ResponseCode.FLUSH_SLAVE_TIMEOUT,
  SLAVE_NOT_AVAILABLE: ResponseCode.SLAVE_NOT_AVAILABLE,
};

export function decodeSendHeader(request: RemotingCommand): SendMessageRequest {
  const h = new RequestHeader(request.extFields);
  const int = (short: string, long: string, fallback?: number): number => {
    const v = h.optInt(h.optStr(short) !== undefined ? short : long);
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    return h.int(long);
  };
  const str = (short: string, long: string): string | undefined => h.pick(short, long);
  // h.str() throws "the custom field <topic> is null" when neither name is present.
  const topic = str('b', 'topic') ?? h.str('topic');
  const maxReconsume = h.optStr('l') !== undefined ? h.optInt('l') : h.optInt('maxReconsumeTimes');
  return {
    producerGroup: str('a', 'producerGroup') ?? '',
    topic,
    defaultTopic: str('c', 'defaultTopic') ?? '',
    defaultTopicQueueNums: int('d', 'defaultTopicQueueNums', 4),
    queueId: int('e', 'queueId'),
    sysFlag: int('f', 'sysFlag', 0),
    bornTimestamp: int('g', 'bornTimestamp', Date.now()),
    flag: int('h', 'flag', 0),
    properties: str('i', 'properties') ?? '',
    reconsumeTimes: int('j', 'reconsumeTimes', 0),
    unitMode: (str('k', 'unitMode') ?? 'false') === 'true',
    maxReconsumeTimes: maxReconsume,
    batch: request.code === RequestCode.SEND_BATCH_MESSAGE || (str('m', 'batch') ?? 'false') === 'true',
    body: request.body ?? Buffer.alloc(0),
    clientVersion: request.version,
  };
}

export async function processSend(core: MessagingCore, request: RemotingCommand, ctx: ProcessorContext): Promise<OutgoingCommand> {
  const req = decodeSendHeader(request);
  const r = await core.sendMessage(req, { bornHost: ctx.remoteAddress, afterResponse: (fn) => ctx.afterResponse(fn) });
  const ext: Record<string, string> = {
    msgId: r.msgId,
    queueId: String(r.queueId),
    queueOffset: String(r.queueOffset),
    MSG_REGION: 'DefaultRegion',
    TRACE_ON: 'true',
  };
  if (r.recallHandle !== undefined) ext.recallHandle = r.recallHandle;
  return createResponse(request, STATUS_CODE[r.status], ext);
}

/** RECALL_MESSAGE (370): header topic, recallHandle, producerGroup; answers with msgId. */
export async function processRecall(core: MessagingCore, request: RemotingCommand, ctx: ProcessorContext): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  const msgId = await core.recallMessage({ topic: h.str('topic'), recallHandle: h.str('recallHandle'), producerGroup: h.optStr('producerGroup') ?? '' }, ctx.remoteAddress);
  return ok(request, { msgId });
}

export async function processSendBack(core: MessagingCore, request: RemotingCommand): Promise<OutgoingCommand> {
  const h = new RequestHeader(request.extFields);
  await core.consumerSendBack({
    offset: h.int('offset'),
    group: h.str('group'),
    delayLevel: h.optInt('delayLevel') ?? 0,
    originMsgId: h.optStr('originMsgId'),
    originTopic: h.optStr('originTopic'),
    maxReconsumeTimes: h.optInt('maxReconsumeTimes'),
    unitMode: h.bool('unitMode'),
    clientVersion: request.version,
  });
  return ok(request);
}
