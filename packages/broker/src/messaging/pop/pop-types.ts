// POP consumption as the core sees it, whatever door it came through: a consumer takes
// messages for an invisible time and acknowledges them by receipt handle.
import type { StoredMessage } from '@contrail/common';
import type { SubscriptionData } from '../../client/subscription-data.js';

export interface PopRequest {
  group: string;
  topic: string;
  /** Only messages matching it are delivered; the others count as consumed. */
  subscription: SubscriptionData;
  maxMessages: number;
  /** How long a delivered message stays hidden from other receives. */
  invisibleMs: number;
  /** Keep the messages hidden while their client is alive (push consumers). */
  autoRenew: boolean;
  /** The receiving client (for auto-renew and for diagnostics). */
  clientId: string;
  /** Hold the request up to this time (epoch ms) when nothing is there yet. */
  pollUntil: number;
}

export interface PoppedMessage {
  message: StoredMessage;
  receiptHandle: string;
  /** 1 on the first delivery. */
  deliveryAttempt: number;
  popTime: number;
  invisibleMs: number;
}

export interface ReceiptRef {
  group: string;
  topic: string;
  receiptHandle: string;
}
