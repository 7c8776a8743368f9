// What every system under test offers the workloads: callback sends (no promise per message,
// so the client idiom is the cheap one for every peer), awaited sends, reading a stream back
// from its start, and a subscription to new messages.
export type Done = (err?: Error) => void;

/** The timed part of W2: fetches n messages (nothing is fetched before it is called). */
export type Reader = (n: number, onMessage: (body: Buffer) => void) => Promise<number>;

export interface Driver {
  /** Sends one message; `done` runs once the server has acknowledged it. */
  send(body: Buffer, done: Done): void;
  /** Sends one message and waits for its acknowledgement (the SDK's own awaited idiom). */
  sendAndWait(body: Buffer): Promise<void>;
  /**
   * Sets up a reader of the stream from its start (the consumer object, its queues: what the
   * peers' reference harness does before its W2 clock starts) and resolves with the read
   * itself, which fetches `n` messages and resolves with how many were read.
   */
  readerFromStart(): Promise<Reader>;
  /** Delivers messages stored from now on; resolves once subscribed, with a stop function. */
  subscribeNew(onMessage: (body: Buffer) => void): Promise<() => Promise<void>>;
  /**
   * Deletes the stream and what it holds, where holding it would weigh on the next run (a
   * RabbitMQ quorum queue keeps its messages in memory and its log). Absent: nothing to do.
   */
  drop?(): Promise<void>;
  close(): Promise<void>;
}

export type PeerName = 'contrail' | 'jetstream' | 'redis' | 'rabbitmq-quorum';

/** Where a server listens; passed to workload processes as JSON. */
export interface Target {
  peer: PeerName;
  port: number;
  /** Contrail: the NameServer port (port is the broker's). */
  namesrvPort?: number;
}
