// The Settings a client gets back on its telemetry stream: its own, merged with the
// server's values. Producers need a backoff policy with exponential_backoff and a
// max_body_size (without them the client crashes or refuses every send); push consumers
// need fifo, receive_batch_size and the long-polling time.
import type { DoorDeps } from './door-deps.js';
import { durationOf } from './pb-time.js';
import type { PbSettings } from './proto-types.js';

const RECEIVE_BATCH_SIZE = 32;

export function settingsReply(client: PbSettings, deps: DoorDeps): PbSettings {
  const type = String(client.client_type ?? '');
  const reply: PbSettings = { metric: { on: false } };
  if (client.client_type !== undefined) reply.client_type = client.client_type;
  if (client.access_point !== undefined) reply.access_point = client.access_point;
  if (client.request_timeout !== undefined) reply.request_timeout = client.request_timeout;
  if (client.user_agent !== undefined) reply.user_agent = client.user_agent;
  if (type === 'PRODUCER' || client.publishing !== undefined) {
    reply.backoff_policy = {
      max_attempts: client.backoff_policy?.max_attempts ?? 3,
      exponential_backoff: { initial: durationOf(10), max: durationOf(1000), multiplier: 2 },
    };
    reply.publishing = { topics: client.publishing?.topics ?? [], max_body_size: deps.maxBodySize, validate_message_type: true };
    return reply;
  }
  const group = client.subscription?.group?.name ?? '';
  const policy = deps.pop.groupPolicy(group);
  reply.backoff_policy = {
    max_attempts: policy.maxAttempts,
    exponential_backoff: { initial: durationOf(1000), max: durationOf(60_000), multiplier: 2 },
  };
  reply.subscription = {
    subscriptions: client.subscription?.subscriptions ?? [],
    fifo: policy.fifo,
    receive_batch_size: RECEIVE_BATCH_SIZE,
    long_polling_timeout: type === 'PUSH_CONSUMER' ? durationOf(deps.pushLongPollingMs) : (client.subscription?.long_polling_timeout ?? durationOf(deps.pushLongPollingMs)),
  };
  if (client.subscription?.group !== undefined) reply.subscription.group = client.subscription.group;
  return reply;
}
