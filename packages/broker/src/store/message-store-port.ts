// The part of the message store the broker uses. Declared here, structurally, so the broker
// depends on behaviour rather than on one implementation; @contrail/store's stores fit it.

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPPED_FILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGE_CACHE_BUSY'
  | 'UNKNOWN_ERROR';

export interface PutMessageInput {
  topic: string;
  queueId: number;
  flag: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string | Buffer;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  /** The encoded property string. */
  properties: string;
  storeTimestamp?: number;
}

export interface PutMessageResult {
  status: PutMessageStatus;
  physicalOffset: number;
  wroteBytes: number;
  queueOffset: number;
  msgId: string;
  storeTimestamp: number;
  msgNum: number;
  remark?: string | undefined;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Whole stored records, as they lie in the commit log. */
  buffers: Buffer[];
  messageCount: number;
  totalBytes: number;
}

export interface QueryMessageResult {
  buffers: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export type ArriveListener = (topic: string, queueId: number, queueOffset: number, tagsCode: number, storeTimestamp: number) => void;

export interface MessageStorePort {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  putMessage(input: PutMessageInput): Promise<PutMessageResult>;
  putMessages(items: PutMessageInput[]): Promise<PutMessageResult>;
  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: (tagsCode: number) => boolean,
    maxBytes?: number,
  ): Promise<GetMessageResult> | GetMessageResult;
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> | number;
  getEarliestMessageTime(topic: string, queueId: number): Promise<number> | number;
  lookMessageByOffset(physicalOffset: number): Promise<Buffer | null> | Buffer | null;
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> | QueryMessageResult;
  onArrive(listener: ArriveListener): () => void;
  deleteTopics(topics: readonly string[]): Promise<unknown> | unknown;
  getMaxPhyOffset?(): number;
  getMinPhyOffset?(): number;
}
