// A gRPC client (one x-mq-client-id) as the managers see it. Membership changes need no
// notice (gRPC consumers ask for assignments); a transaction check goes out on the client's
// telemetry stream as a RecoverOrphanedTransactionCommand carrying the whole message.
import { decodeRecord } from '@contrail/common';
import type { ClientChannel } from '../client/client-channel.js';
import { toPbMessage } from './message-codec.js';
import type { PbTelemetryCommand } from './proto-types.js';
import type { TransactionIds } from './transaction-ids.js';

export class GrpcClientChannel implements ClientChannel {
  readonly id: string;
  readonly clientId: string;
  remoteAddress: string;
  readonly #write: (cmd: PbTelemetryCommand) => boolean;
  readonly #transactions: TransactionIds;

  constructor(clientId: string, remoteAddress: string, write: (cmd: PbTelemetryCommand) => boolean, transactions: TransactionIds) {
    this.id = `grpc-${clientId}`;
    this.clientId = clientId;
    this.remoteAddress = remoteAddress;
    this.#write = write;
    this.#transactions = transactions;
  }

  notifyConsumerIdsChanged(): void {
    // gRPC consumers poll QueryAssignment; nothing to push.
  }

  checkTransactionState(header: Readonly<Record<string, string>>, body: Buffer): void {
    const m = decodeRecord(body, 0, { strict: false });
    const transactionId = header.transactionId ?? m.msgId;
    this.#transactions.remember(transactionId, {
      producerGroup: m.properties.PGROUP ?? '',
      tranStateTableOffset: Number(header.tranStateTableOffset),
      commitLogOffset: Number(header.commitLogOffset),
      clientId: this.clientId,
    });
    // Always a complete message: a command without one crashes the Node client.
    this.#write({ recover_orphaned_transaction_command: { message: toPbMessage(m), transaction_id: transactionId } });
  }
}
