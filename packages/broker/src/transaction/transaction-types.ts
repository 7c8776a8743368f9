// END_TRANSACTION as the core sees it, whatever door it came through.

/** commitOrRollback values on the wire. */
export const TransactionState = { UNKNOW: 0, COMMIT: 8, ROLLBACK: 12 } as const;

export interface EndTransactionRequest {
  producerGroup: string;
  /** The half message's queue offset in RMQ_SYS_TRANS_HALF_TOPIC (the send response's queueOffset). */
  tranStateTableOffset: number;
  /** The half message's commit-log offset (decoded from the send response's msgId). */
  commitLogOffset: number;
  /** 0 UNKNOW, 8 COMMIT, 12 ROLLBACK. */
  commitOrRollback: number;
  fromTransactionCheck: boolean;
  msgId?: string | undefined;
  transactionId?: string | undefined;
}

export type EndTransactionOutcome = 'COMMITTED' | 'ROLLED_BACK' | 'IGNORED';
