// What a push consumer's listener returns and receives.
import type { MessageExt } from './message-ext.js';
import type { MessageQueue } from './message-queue.js';

/**
 * CONSUME_SUCCESS: the batch is done. RECONSUME_LATER: concurrent consumers send it back to
 * %RETRY%<group> (redelivered after a growing delay, to %DLQ%<group> after maxReconsumeTimes);
 * orderly consumers pause the queue and retry the batch locally (the same as
 * SUSPEND_CURRENT_QUEUE_A_MOMENT). A listener that throws counts as RECONSUME_LATER.
 */
export type ConsumeStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeContext {
  /** The queue the batch came from (a %RETRY% queue for redelivered messages). */
  queue: MessageQueue;
  orderly: boolean;
}

export type MessageListener = (msgs: MessageExt[], context: ConsumeContext) => ConsumeStatus | Promise<ConsumeStatus>;

/** Internal: the iterator form gives back messages it never handed out; they stay unconsumed. */
export const ABANDONED = Symbol('abandoned');
export type ListenerOutcome = ConsumeStatus | typeof ABANDONED;
export type InternalListener = (msgs: MessageExt[], context: ConsumeContext) => Promise<ListenerOutcome>;
