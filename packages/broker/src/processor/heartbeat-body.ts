// The HEART_BEAT body (HeartbeatData JSON) as a ClientHeartbeat.
import { ContrailError } from '@contrail/common';
import { subscriptionFromJson, type SubscriptionData } from '../client/subscription-data.js';
import type { ClientHeartbeat, ConsumerHeartbeat } from '../messaging/client-types.js';

export function decodeHeartbeat(body: Buffer | undefined, version: number): ClientHeartbeat {
  let json: unknown;
  try {
    json = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
  } catch (err) {
    throw new ContrailError('SYSTEM_ERROR', `bad heartbeat body: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null) throw new ContrailError('SYSTEM_ERROR', 'bad heartbeat body: not an object');
  const j = json as Record<string, unknown>;
  const clientId = typeof j.clientID === 'string' ? j.clientID : '';
  if (clientId.length === 0) throw new ContrailError('SYSTEM_ERROR', 'bad heartbeat body: no clientID');
  const consumers: ConsumerHeartbeat[] = [];
  for (const c of asArray(j.consumerDataSet)) {
    if (typeof c !== 'object' || c === null) continue;
    const cd = c as Record<string, unknown>;
    if (typeof cd.groupName !== 'string' || cd.groupName.length === 0) continue;
    const subscriptions: SubscriptionData[] = [];
    for (const s of asArray(cd.subscriptionDataSet)) {
      const sub = subscriptionFromJson(s);
      if (sub !== null) subscriptions.push(sub);
    }
    consumers.push({
      groupName: cd.groupName,
      consumeType: typeof cd.consumeType === 'string' ? cd.consumeType : 'CONSUME_PASSIVELY',
      messageModel: typeof cd.messageModel === 'string' ? cd.messageModel : 'CLUSTERING',
      consumeFromWhere: typeof cd.consumeFromWhere === 'string' ? cd.consumeFromWhere : 'CONSUME_FROM_LAST_OFFSET',
      subscriptions,
      unitMode: cd.unitMode === true,
    });
  }
  const producerGroups: string[] = [];
  for (const p of asArray(j.producerDataSet)) {
    const name = typeof p === 'object' && p !== null ? (p as { groupName?: unknown }).groupName : undefined;
    if (typeof name === 'string' && name.length > 0) producerGroups.push(name);
  }
  return { clientId, version, consumers, producerGroups };
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}
