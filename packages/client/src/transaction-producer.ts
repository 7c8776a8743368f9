// The transactional producer (remoting.md §7): sends a half message, runs the application's
// local transaction, and tells the broker to commit or roll back with a oneway END_TRANSACTION.
// Brokers ask any live producer of the group about half messages left unresolved
// (CHECK_TRANSACTION_STATE); this one answers from checkLocalTransaction, so a group member can
// finish what another member, now gone, started.
import { ContrailError, Prop, decodeOffsetMsgId, type Properties } from '@contrail/common';
import { RequestCode, createRequest, type RemotingCommand, type RemotingConnection } from '@contrail/remoting';
import { asError } from './client-instance.js';
import { decodeMessages, messageFields, type MessageExt } from './message-ext.js';
import type { SendableMessage } from './outgoing-message.js';
import { Producer, type ProducerOptions } from './producer.js';
import type { SendResult } from './send-result.js';

/** RocketMQ's LocalTransactionState (UNKNOW is RocketMQ's spelling). */
export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

/** A message sent in a transaction, as the local transaction sees it. */
export type TransactionMessage = SendableMessage & { transactionId: string };

export interface TransactionListener<A = unknown> {
  /** Runs the local transaction once the half message is stored. A throw counts as UNKNOW. */
  executeLocalTransaction(msg: TransactionMessage, arg: A | undefined): LocalTransactionState | Promise<LocalTransactionState>;
  /** Says how a transaction the broker has not heard about ended. A throw counts as UNKNOW. */
  checkLocalTransaction(msg: MessageExt & { transactionId: string }): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionProducerOptions<A = unknown> extends ProducerOptions {
  transactionListener: TransactionListener<A>;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
  transactionId: string;
}

const COMMIT_OR_ROLLBACK: Readonly<Record<LocalTransactionState, string>> = { UNKNOW: '0', COMMIT_MESSAGE: '8', ROLLBACK_MESSAGE: '12' };

export class TransactionProducer<A = unknown> extends Producer {
  readonly #listener: TransactionListener<A>;
  #closed = false;

  constructor(options: TransactionProducerOptions<A>) {
    super(options);
    this.#listener = options.transactionListener;
  }

  override async shutdown(): Promise<void> {
    this.#closed = true;
    await super.shutdown();
  }

  /**
   * Sends `msg` as a half message, runs executeLocalTransaction(msg, arg) and ends the
   * transaction with its answer. The half message is rolled back if it could not be stored
   * as SEND_OK; the result says what was decided.
   */
  async sendMessageInTransaction(msg: SendableMessage, arg?: A): Promise<TransactionSendResult> {
    // A half message must not be scheduled: a delay level would apply to the half itself.
    const { delayLevel: _level, ...rest } = msg;
    const properties: Properties = { ...(msg.properties ?? {}), [Prop.TRAN_MSG]: 'true', [Prop.PGROUP]: this.producerGroup };
    delete properties[Prop.DELAY];
    const sent = await this.send({ ...rest, properties });
    let state: LocalTransactionState = 'ROLLBACK_MESSAGE';
    if (sent.status === 'SEND_OK') {
      try {
        state = await this.#listener.executeLocalTransaction({ ...rest, properties: { ...properties, [Prop.UNIQ_KEY]: sent.msgId }, transactionId: sent.msgId }, arg);
      } catch (err) {
        this.client.log.warn({ err, msgId: sent.msgId }, 'executeLocalTransaction threw; the transaction state is UNKNOW');
        state = 'UNKNOW';
      }
    }
    await this.#endTransaction(sent, state);
    return { ...sent, localTransactionState: state, transactionId: sent.msgId };
  }

  async #endTransaction(sent: SendResult, state: LocalTransactionState): Promise<void> {
    let stored;
    try {
      stored = decodeOffsetMsgId(sent.offsetMsgId);
    } catch (err) {
      throw new ContrailError('SYSTEM_ERROR', `the broker answered the half message with a bad msgId ${JSON.stringify(sent.offsetMsgId)}`, { cause: err });
    }
    const addr = this.client.masterAddr(sent.messageQueue.brokerName) ?? stored.address;
    const header = {
      producerGroup: this.producerGroup,
      tranStateTableOffset: String(sent.queueOffset),
      commitLogOffset: String(stored.physicalOffset),
      commitOrRollback: COMMIT_OR_ROLLBACK[state],
      fromTransactionCheck: 'false',
      msgId: sent.msgId,
      transactionId: sent.msgId,
    };
    try {
      await this.client.remoting.invokeOneway(addr, createRequest(RequestCode.END_TRANSACTION, header));
    } catch (err) {
      // The broker will ask again (check-back); the local decision stands.
      this.client.log.warn({ err, addr, msgId: sent.msgId, state }, 'END_TRANSACTION could not be sent');
    }
  }

  protected override onCheckTransactionState(req: RemotingCommand, conn: RemotingConnection): void {
    if (this.#closed) return;
    this.#answerCheck(req, conn).catch((err: unknown) => this.client.log.error({ err }, 'answering CHECK_TRANSACTION_STATE failed'));
  }

  async #answerCheck(req: RemotingCommand, conn: RemotingConnection): Promise<void> {
    const [msg] = decodeMessages(req.body, req.extFields.bname ?? '');
    if (msg === undefined) {
      this.client.log.warn({ ext: req.extFields }, 'CHECK_TRANSACTION_STATE without a message');
      return;
    }
    const group = msg.properties[Prop.PGROUP];
    if (group !== undefined && group !== this.producerGroup) {
      this.client.log.warn({ group, mine: this.producerGroup }, 'CHECK_TRANSACTION_STATE for another producer group; ignored');
      return;
    }
    const uniq = msg.properties[Prop.UNIQ_KEY] ?? msg.offsetMsgId;
    const transactionId = req.extFields.transactionId ?? uniq;
    let state: LocalTransactionState;
    try {
      state = await this.#listener.checkLocalTransaction({ ...messageFields(msg), transactionId });
    } catch (err) {
      this.client.log.warn({ err: asError(err), transactionId }, 'checkLocalTransaction threw; answering UNKNOW');
      state = 'UNKNOW';
    }
    if (this.#closed) return;
    const header = {
      producerGroup: this.producerGroup,
      tranStateTableOffset: String(msg.queueOffset),
      commitLogOffset: String(msg.commitLogOffset),
      commitOrRollback: COMMIT_OR_ROLLBACK[state],
      fromTransactionCheck: 'true',
      msgId: uniq,
      transactionId,
    };
    conn.oneway(createRequest(RequestCode.END_TRANSACTION, header));
  }
}
