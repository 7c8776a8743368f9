// A connected client as the managers see it, whatever door it came through.

export interface ClientChannel {
  /** Unique per connection. */
  readonly id: string;
  readonly remoteAddress: string;
  /** Tells the client its group's membership changed (remoting: oneway code 40). */
  notifyConsumerIdsChanged(group: string): void;
  /**
   * Asks a producer of the half message's group for its transaction state (remoting: oneway
   * CHECK_TRANSACTION_STATE, 39). `body` is the stored record of the half message with its
   * real topic and queue. Doors that cannot reach producers leave it out.
   */
  checkTransactionState?(header: Readonly<Record<string, string>>, body: Buffer): void;
}
