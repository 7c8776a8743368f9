// A remoting connection as a ClientChannel for the managers.
import { RequestCode, createRequest, type RemotingConnection } from '@contrail/remoting';
import type { ClientChannel } from '../client/client-channel.js';

const channels = new WeakMap<RemotingConnection, RemotingClientChannel>();
let nextId = 0;

export class RemotingClientChannel implements ClientChannel {
  readonly id: string;
  readonly remoteAddress: string;
  readonly connection: RemotingConnection;

  private constructor(connection: RemotingConnection) {
    this.connection = connection;
    this.remoteAddress = connection.remoteAddress;
    this.id = `remoting-${++nextId}-${connection.remoteAddress}`;
  }

  /** One channel object per connection. */
  static of(connection: RemotingConnection): RemotingClientChannel {
    let c = channels.get(connection);
    if (c === undefined) {
      c = new RemotingClientChannel(connection);
      channels.set(connection, c);
    }
    return c;
  }

  notifyConsumerIdsChanged(group: string): void {
    // Oneway: ali-ons never answers server requests.
    this.connection.oneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: group }));
  }

  checkTransactionState(header: Readonly<Record<string, string>>, body: Buffer): void {
    // Oneway, as RocketMQ does: the producer answers with a oneway END_TRANSACTION.
    this.connection.oneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, { ...header }, body));
  }
}
