// A connected client as the managers see it, whatever door it came through.

export interface ClientChannel {
  /** Unique per connection. */
  readonly id: string;
  readonly remoteAddress: string;
  /** Tells the client its group's membership changed (remoting: oneway code 40). */
  notifyConsumerIdsChanged(group: string): void;
}
