// ReceiveMessage: a POP on every queue of the topic on this broker (the request's queue id
// means nothing: the Node client always names queue 0), held until a message is there, the
// long-polling time is over, or shortly before the client's deadline. The answer is a
// status, the messages and a delivery timestamp, then the end of the stream — the client
// only looks at the answer once the stream has ended.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { parseSubscription, type SubscriptionData } from '../client/subscription-data.js';
import { AUTO_RENEW_MS } from '../messaging/pop/pop-service.js';
import { callContext } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { Code, OK, refuse, status, statusOf } from './grpc-status.js';
import { toPbMessage } from './message-codec.js';
import { fromMillis, toMillis } from './pb-time.js';
import type { PbFilterExpression, PbReceiveMessageRequest, PbReceiveMessageResponse } from './proto-types.js';
import { groupOf, topicOf } from './route-handlers.js';

const MAX_BATCH = 32;
const DEFAULT_LONG_POLLING_MS = 20_000;
const MAX_INVISIBLE_MS = 12 * 3600_000;
/** The answer must be written before grpc-js cancels the call at the deadline. */
const DEADLINE_MARGIN_MS = 300;

export type ReceiveCall = ServerWritableStream<PbReceiveMessageRequest, PbReceiveMessageResponse>;

export async function receiveMessage(deps: DoorDeps, call: ReceiveCall): Promise<void> {
  const req = call.request;
  try {
    const ctx = callContext(call);
    const group = groupOf(req.group);
    const tc = topicOf(deps, req.message_queue?.topic);
    const subscription = subscriptionOf(tc.topicName, req.filter_expression);
    const requested = toMillis(req.invisible_duration);
    if (requested !== undefined && (requested < 0 || requested > MAX_INVISIBLE_MS)) {
      refuse(Code.ILLEGAL_INVISIBLE_TIME, `invisible_duration must be between 0 and ${MAX_INVISIBLE_MS} ms, got ${requested}`);
    }
    const autoRenew = req.auto_renew === true;
    // Push consumers send no invisible time and renew while alive; simple consumers always send one.
    const invisibleMs = requested ?? AUTO_RENEW_MS;
    const longPolling = toMillis(req.long_polling_timeout) ?? DEFAULT_LONG_POLLING_MS;
    if (longPolling < 0) refuse(Code.ILLEGAL_POLLING_TIME, `long_polling_timeout must not be negative, got ${longPolling}`);
    const now = Date.now();
    const pollUntil = Math.min(now + longPolling, ctx.deadline - DEADLINE_MARGIN_MS);
    const batch = req.batch_size !== undefined && req.batch_size > 0 ? Math.min(req.batch_size, MAX_BATCH) : MAX_BATCH;
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
    });
    const popped = await deps.pop.pop({ group, topic: tc.topicName, subscription, maxMessages: batch, invisibleMs, autoRenew, clientId: ctx.clientId, pollUntil });
    if (cancelled) {
      // Nobody will see these: make them due again at once.
      for (const p of popped) {
        try {
          deps.pop.changeInvisibleDuration({ group, topic: tc.topicName, receiptHandle: p.receiptHandle }, 0);
        } catch (err) {
          deps.log.debug({ err, group }, 'releasing a message of a cancelled receive failed');
        }
      }
      return;
    }
    if (popped.length === 0) {
      call.write({ status: status(Code.MESSAGE_NOT_FOUND, 'no new message') });
    } else {
      call.write({ status: OK });
      for (const p of popped) {
        call.write({ message: toPbMessage(p.message, { receiptHandle: p.receiptHandle, deliveryAttempt: p.deliveryAttempt, invisibleMs: p.invisibleMs }) });
      }
      call.write({ delivery_timestamp: fromMillis(Date.now()) });
    }
  } catch (err) {
    call.write({ status: statusOf(err) });
  }
  call.end();
}

function subscriptionOf(topic: string, f: PbFilterExpression | undefined): SubscriptionData {
  const type = String(f?.type ?? 'TAG');
  if (type === 'SQL') refuse(Code.ILLEGAL_FILTER_EXPRESSION, 'SQL92 filtering is not supported yet');
  try {
    return parseSubscription(topic, f?.expression, 0, 'TAG');
  } catch (err) {
    return refuse(Code.ILLEGAL_FILTER_EXPRESSION, (err as Error).message);
  }
}
