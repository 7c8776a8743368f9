// Admin requests: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
// GET_ALL_TOPIC_CONFIG (21), UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200),
// GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), DELETE_SUBSCRIPTIONGROUP (207),
// GET_BROKER_RUNTIME_INFO (28), GET_BROKER_CONFIG (26), GET_ALL_CONSUMER_OFFSET (43),
// GET_ALL_DELAY_OFFSET (45).
import { ContrailError, isSystemTopic, validateName } from '@contrail/common';
import type { OutgoingCommand, RemotingCommand } from '@contrail/remoting';
import type { BrokerServices } from '../messaging/broker-services.js';
import { subscriptionGroupConfigFromJson } from '../subscription/subscription-group-config.js';
import { RequestHeader } from './request-header.js';
import { ok } from './respond.js';

export interface AdminContext {
  readonly services: BrokerServices;
  readonly bootTimestamp: number;
  delayOffsetTable(): Record<string, number>;
  /** The broker's settings as broker.conf keys, with the ports it actually listens on. */
  configProperties(): Record<string, string>;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function processUpdateAndCreateTopic(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  const h = new RequestHeader(request.extFields);
  const topic = h.str('topic');
  const why = validateName(topic);
  if (why !== null) throw new ContrailError('SYSTEM_ERROR', why);
  if (topic === a.services.config.brokerClusterName) throw new ContrailError('SYSTEM_ERROR', `The topic[${topic}] is conflict with system reserved words.`);
  if (isSystemTopic(topic)) throw new ContrailError('SYSTEM_ERROR', `The topic[${topic}] is conflict with system topic.`);
  const read = h.optInt('readQueueNums') ?? 8;
  const write = h.optInt('writeQueueNums') ?? 8;
  for (const [name, n] of [['readQueueNums', read], ['writeQueueNums', write]] as const) {
    if (n < 1 || n > 1024) throw new ContrailError('SYSTEM_ERROR', `${name} must be between 1 and 1024, got ${n}`);
  }
  const perm = h.optInt('perm') ?? 6;
  a.services.topics.createOrUpdate({
    topicName: topic,
    readQueueNums: read,
    writeQueueNums: write,
    perm,
    topicFilterType: h.optStr('topicFilterType') === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
    topicSysFlag: h.optInt('topicSysFlag') ?? 0,
    order: h.bool('order'),
  });
  return ok(request);
}

export async function processDeleteTopic(a: AdminContext, request: RemotingCommand): Promise<OutgoingCommand> {
  const topic = new RequestHeader(request.extFields).str('topic');
  if (isSystemTopic(topic)) throw new ContrailError('SYSTEM_ERROR', `The topic[${topic}] is conflict with system topic.`);
  a.services.topics.delete(topic);
  a.services.offsets.removeTopic(topic);
  await a.services.store.deleteTopics([topic]);
  return ok(request);
}

export function processGetAllTopicConfig(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  return ok(request, {}, json(a.services.topics.serializeWrapper()));
}

export function processUpdateAndCreateSubscriptionGroup(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse((request.body ?? Buffer.alloc(0)).toString('utf8'));
  } catch (err) {
    throw new ContrailError('SYSTEM_ERROR', `bad subscription group body: ${(err as Error).message}`);
  }
  const config = subscriptionGroupConfigFromJson(parsed);
  if (config === null) throw new ContrailError('SYSTEM_ERROR', 'bad subscription group body: no groupName');
  const why = validateName(config.groupName, 'group');
  if (why !== null) throw new ContrailError('SYSTEM_ERROR', why);
  a.services.groups.createOrUpdate(config);
  return ok(request);
}

export function processGetAllSubscriptionGroup(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  return ok(request, {}, json(a.services.groups.toJSON()));
}

export function processDeleteSubscriptionGroup(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  a.services.groups.delete(new RequestHeader(request.extFields).str('groupName'));
  return ok(request);
}

export function processGetAllConsumerOffset(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  return ok(request, {}, json(a.services.offsets.toJSON()));
}

export function processGetAllDelayOffset(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  return ok(request, {}, json({ offsetTable: a.delayOffsetTable() }));
}

export function processGetBrokerRuntimeInfo(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  const s = a.services;
  const store = s.store;
  const table: Record<string, string> = {
    brokerVersionDesc: 'V4_9_7',
    brokerVersion: '407',
    bootTimestamp: String(a.bootTimestamp),
    runtime: formatRuntime(Date.now() - a.bootTimestamp),
    brokerName: s.config.brokerName,
    brokerId: String(s.config.brokerId),
    brokerAddr: s.storeHost,
    topicCount: String(s.topics.size),
    subscriptionGroupCount: String(s.groups.all().length),
    consumerGroupOnlineCount: String(s.consumers.groups().length),
    producerGroupOnlineCount: String(s.producers.groups().length),
    pullLongPollingHeld: String(s.pullHold.size),
    // Counted since the broker started (RocketMQ's counters restart with the broker too).
    msgPutTotalTodayNow: String(sumOf(s.stats.messagesIn())),
    msgGetTotalTodayNow: String(sumOf(s.stats.messagesOut())),
  };
  if (store.getMaxPhyOffset !== undefined) table.commitLogMaxOffset = String(store.getMaxPhyOffset());
  if (store.getMinPhyOffset !== undefined) table.commitLogMinOffset = String(store.getMinPhyOffset());
  return ok(request, {}, json({ table }));
}

/** RocketMQ's answer: the settings as `key=value` lines (a Java properties text). */
export function processGetBrokerConfig(a: AdminContext, request: RemotingCommand): OutgoingCommand {
  const lines = Object.entries(a.configProperties()).map(([k, v]) => `${k}=${v}`);
  return ok(request, { version: JSON.stringify({ timestamp: a.bootTimestamp, counter: 0 }) }, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
}

function sumOf(rows: Iterable<{ messages: number }>): number {
  let n = 0;
  for (const r of rows) n += r.messages;
  return n;
}

function formatRuntime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `[ ${Math.floor(sec / 86400)} days, ${Math.floor((sec % 86400) / 3600)} hours, ${Math.floor((sec % 3600) / 60)} minutes, ${sec % 60} seconds ]`;
}
