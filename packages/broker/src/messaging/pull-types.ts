// Pull requests and results, independent of the protocol that carried them.
import type { GetMessageStatus } from '../store/message-store-port.js';

export { PullSysFlag } from '@contrail/common';

export interface PullMessageRequest {
  consumerGroup: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  sysFlag: number;
  commitOffset: number;
  suspendTimeoutMillis: number;
  subscription?: string | undefined;
  subVersion: number;
  expressionType?: string | undefined;
  maxMsgBytes?: number | undefined;
  /**
   * The caller calls the result's release() once it is done with the buffers (the remoting
   * door: after the response is written), so the store can reuse the memory they are in.
   */
  lease?: boolean | undefined;
}

/** FOUND, NO_NEW_MSG (nothing yet), NO_MATCHED_MSG (all filtered out), OFFSET_ILLEGAL (moved). */
export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullMessageResult {
  status: PullStatus;
  /** The store's status name (the remoting remark). */
  storeStatus: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  suggestWhichBrokerId: number;
  /** Stored records, byte for byte. */
  buffers: Buffer[];
  messageCount: number;
  /** Bytes of the records in buffers. */
  totalBytes: number;
  /** With `lease` in the request: lets the store reuse the buffers' memory (call once done). */
  release?: (() => void) | undefined;
}
