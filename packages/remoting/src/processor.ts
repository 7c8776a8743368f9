// What a request processor is and what it may ask of the server that runs it.

import type { OutgoingCommand, RemotingCommand } from './remoting-command.js';
import type { RemotingConnection } from './remoting-connection.js';

export interface ProcessorContext {
  /** The connection the request came on; also usable for server-to-client requests. */
  readonly connection: RemotingConnection;
  readonly remoteAddress: string;
  /**
   * Runs `fn` after the response has been handed to the OS (at once after processing for
   * oneway requests or when there is no response). The broker wakes long-polling pulls this
   * way, so that no consumer sees a message before its producer has the send result.
   */
  afterResponse(fn: () => void): void;
}

/** Returns the response, or null to send nothing. Throwing answers SYSTEM_ERROR, or a ContrailError's own code. */
export type RemotingProcessor = (
  request: RemotingCommand,
  ctx: ProcessorContext,
) => OutgoingCommand | null | Promise<OutgoingCommand | null>;

export interface ProcessorOptions {
  /** Requests this processor may run at once; beyond it the answer is SYSTEM_BUSY. 0 = unlimited. */
  concurrency?: number;
  /** Backpressure hook asked before each request (RocketMQ's rejectRequest()); true answers SYSTEM_BUSY. */
  rejectRequest?: () => boolean;
}
