// The dashboard's HTTP API: what the page shows, as JSON. Every answer is read from the
// cluster when asked (NameServers, then the brokers), through @contrail/admin; the one write
// of data is a test message sent with the SDK's producer.
import {
  DLQ_GROUP_TOPIC_PREFIX,
  RETRY_GROUP_TOPIC_PREFIX,
  isSystemTopic,
  validateName,
} from '@contrail/common';
import {
  clusterList,
  consumerGroups,
  consumerProgress,
  topicStatus,
  type AdminClient,
} from '@contrail/admin';
import type { MessageExt, Producer } from '@contrail/client';
import { HttpError } from './http-error.js';

export interface ApiRequest {
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body (POST only). */
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  json: unknown;
}

export interface ApiContext {
  admin: AdminClient;
  namesrvAddr: string;
  /** The producer for test messages, started on first use. */
  producer(): Promise<Producer>;
}

export type Handler = (ctx: ApiContext, req: ApiRequest) => Promise<ApiAnswer>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Matched against the decoded path segments; `:x` takes one segment. */
  path: string;
  handler: Handler;
}

export type TopicKind = 'normal' | 'retry' | 'dlq' | 'system';

export function topicKind(topic: string): TopicKind {
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return 'retry';
  if (topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) return 'dlq';
  if (isSystemTopic(topic)) return 'system';
  return 'normal';
}

function ok(json: unknown, status = 200): ApiAnswer {
  return { status, json };
}

function name(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new HttpError('BAD_REQUEST', `the ${what} is missing`);
  const bad = validateName(value, what);
  if (bad !== null) throw new HttpError('BAD_REQUEST', bad);
  return value;
}

function record(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError('BAD_REQUEST', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalString(o: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new HttpError('BAD_REQUEST', `${key} must be a string`);
  if (v.length > max) throw new HttpError('BAD_REQUEST', `${key} is longer than ${max} characters`);
  return v;
}

function queueCount(o: Record<string, unknown>, key: string): number {
  const v = o[key] ?? 8;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1024) throw new HttpError('BAD_REQUEST', `${key} must be a whole number from 1 to 1024`);
  return v;
}

/** A stored message as JSON: the body as UTF-8 text when it is valid UTF-8, else base64. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function messageJson(m: MessageExt): Record<string, unknown> {
  let body: string;
  let bodyEncoding: 'utf8' | 'base64';
  try {
    body = strictUtf8.decode(m.body);
    bodyEncoding = 'utf8';
  } catch {
    body = m.body.toString('base64');
    bodyEncoding = 'base64';
  }
  return {
    topic: m.topic,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: m.tags ?? null,
    keys: m.keys,
    brokerName: m.brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    storeTimestamp: m.storeTimestamp,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    properties: m.properties,
    bodySize: m.body.length,
    body,
    bodyEncoding,
  };
}

const cluster: Handler = async (ctx) => {
  const rows = await clusterList(ctx.admin);
  return ok({
    namesrvAddr: ctx.namesrvAddr,
    brokers: rows.map((r) => ({
      cluster: r.cluster,
      brokerName: r.brokerName,
      brokerId: r.brokerId,
      addr: r.addr,
      answering: r.runtime !== undefined,
      version: r.runtime?.brokerVersionDesc ?? null,
      uptime: r.runtime?.runtime ?? null,
      topics: Number(r.runtime?.topicCount ?? 0),
      producerGroups: Number(r.runtime?.producerGroupOnlineCount ?? 0),
      consumerGroups: Number(r.runtime?.consumerGroupOnlineCount ?? 0),
      commitLogMaxOffset: Number(r.runtime?.commitLogMaxOffset ?? 0),
      messagesIn: Number(r.runtime?.msgPutTotalTodayNow ?? 0),
      messagesOut: Number(r.runtime?.msgGetTotalTodayNow ?? 0),
    })),
  });
};

const topics: Handler = async (ctx) => {
  const list = await ctx.admin.topicList();
  return ok({ topics: list.map((topic) => ({ topic, kind: topicKind(topic) })) });
};

const topic: Handler = async (ctx, req) => {
  const t = name(req.params[0], 'topic');
  const queues = await topicStatus(ctx.admin, t);
  const messages = queues.reduce((n, q) => n + (q.maxOffset - q.minOffset), 0);
  return ok({ topic: t, kind: topicKind(t), messages, queues });
};

const createTopic: Handler = async (ctx, req) => {
  const o = record(req.body);
  const t = name(typeof o.topic === 'string' ? o.topic : undefined, 'topic');
  if (topicKind(t) !== 'normal') throw new HttpError('BAD_REQUEST', `${t} is a system, retry or dead-letter topic name`);
  const order = o.order ?? false;
  if (typeof order !== 'boolean') throw new HttpError('BAD_REQUEST', 'order must be true or false');
  const r = await ctx.admin.createTopic({ topic: t, readQueueNums: queueCount(o, 'readQueueNums'), writeQueueNums: queueCount(o, 'writeQueueNums'), order });
  return ok({ topic: t, brokerAddrs: r.brokerAddrs }, 201);
};

const deleteTopic: Handler = async (ctx, req) => {
  const t = name(req.params[0], 'topic');
  if (topicKind(t) === 'system') throw new HttpError('BAD_REQUEST', `${t} is a system topic`);
  // Deleting a topic that is not there is an error the caller should see, not a silent no-op.
  await ctx.admin.topicRoute(t);
  await ctx.admin.deleteTopic(t);
  return ok({ deleted: t });
};

const groups: Handler = async (ctx) => ok(await consumerGroups(ctx.admin));

const group: Handler = async (ctx, req) => {
  const g = name(req.params[0], 'consumer group');
  const only = req.query.get('topic');
  const queues = await consumerProgress(ctx.admin, g, only === null || only === '' ? undefined : [name(only, 'topic')]);
  return ok({ group: g, lag: queues.reduce((n, q) => n + q.lag, 0), queues });
};

const MAX_QUERY_RESULTS = 64;

const queryMessages: Handler = async (ctx, req) => {
  const t = name(req.query.get('topic') ?? undefined, 'topic');
  const key = req.query.get('key');
  const msgId = req.query.get('msgId');
  if ((key === null || key === '') === (msgId === null || msgId === '')) throw new HttpError('BAD_REQUEST', 'give either key or msgId');
  let found: MessageExt[];
  if (key !== null && key !== '') {
    if (key.length > 255) throw new HttpError('BAD_REQUEST', 'the key is longer than 255 characters');
    found = await ctx.admin.queryMessageByKey(t, key, MAX_QUERY_RESULTS);
  } else {
    found = await ctx.admin.queryMessageByUniqKey(t, msgId as string);
  }
  return ok({ messages: found.map(messageJson) });
};

const viewMessage: Handler = async (ctx, req) => {
  const id = req.params[0] ?? '';
  if (!/^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{40}$/.test(id)) throw new HttpError('BAD_REQUEST', `not an offset message id: ${id.slice(0, 64)}`);
  return ok({ message: messageJson(await ctx.admin.viewMessage(id)) });
};

const MAX_TEST_BODY = 64 * 1024;

const sendMessage: Handler = async (ctx, req) => {
  const o = record(req.body);
  const t = name(typeof o.topic === 'string' ? o.topic : undefined, 'topic');
  if (topicKind(t) !== 'normal') throw new HttpError('BAD_REQUEST', `test messages go to application topics, not ${t}`);
  const body = optionalString(o, 'body', MAX_TEST_BODY);
  if (body === undefined) throw new HttpError('BAD_REQUEST', 'the message body is missing');
  const tags = optionalString(o, 'tags', 255);
  const keys = optionalString(o, 'keys', 255);
  const producer = await ctx.producer();
  const r = await producer.send({ topic: t, body, ...(tags === undefined ? {} : { tags }), ...(keys === undefined ? {} : { keys }) });
  return ok({ status: r.status, msgId: r.msgId, offsetMsgId: r.offsetMsgId, brokerName: r.messageQueue.brokerName, queueId: r.messageQueue.queueId, queueOffset: r.queueOffset }, 201);
};

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/cluster', handler: cluster },
  { method: 'GET', path: '/api/topics', handler: topics },
  { method: 'POST', path: '/api/topics', handler: createTopic },
  { method: 'GET', path: '/api/topics/:topic', handler: topic },
  { method: 'DELETE', path: '/api/topics/:topic', handler: deleteTopic },
  { method: 'GET', path: '/api/groups', handler: groups },
  { method: 'GET', path: '/api/groups/:group', handler: group },
  { method: 'GET', path: '/api/messages', handler: queryMessages },
  { method: 'POST', path: '/api/messages', handler: sendMessage },
  { method: 'GET', path: '/api/messages/:offsetMsgId', handler: viewMessage },
];
