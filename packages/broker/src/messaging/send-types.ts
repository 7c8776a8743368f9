// Send requests and results, independent of the protocol that carried them.

export interface SendMessageRequest {
  producerGroup: string;
  topic: string;
  /** The template topic for auto-creation (TBW102). */
  defaultTopic: string;
  defaultTopicQueueNums: number;
  /** Negative: the broker picks a queue. */
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  /** The encoded property string. */
  properties: string;
  reconsumeTimes: number;
  unitMode: boolean;
  maxReconsumeTimes?: number | undefined;
  /** The body is a SEND_BATCH_MESSAGE body of several messages. */
  batch: boolean;
  body: Buffer;
  /** The client's MQVersion ordinal. */
  clientVersion?: number | undefined;
}

export interface SendContext {
  /** The producer's "ip:port", recorded as the born host. */
  bornHost: string;
  /**
   * Runs a function after the response reached the client's socket; when given, consumers
   * waiting on the queue are woken only then.
   */
  afterResponse?: (fn: () => void) => void;
}

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendMessageResult {
  status: SendStatus;
  /** Offset msgId; comma-joined for a batch. */
  msgId: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  storeTimestamp: number;
  /** For a message stored as a timer message: the handle that recalls it before it is due. */
  recallHandle?: string;
}
