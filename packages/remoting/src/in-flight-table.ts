// Requests awaiting their response, keyed by opaque. Timeouts are found by one sweep timer
// per table, running while requests are in flight: no timer per request.

import { ContrailError } from '@contrail/common';
import type { RemotingCommand } from './remoting-command.js';

export type ResponseCallback = (error: ContrailError | undefined, response: RemotingCommand | undefined) => void;

interface Pending {
  readonly deadline: number;
  readonly callback: ResponseCallback;
  readonly code: number;
}

export class InFlightTable {
  readonly #pending = new Map<number, Pending>();
  readonly #sweepIntervalMs: number;
  readonly #describe: () => string;
  #timer: NodeJS.Timeout | undefined;

  constructor(sweepIntervalMs: number, describe: () => string) {
    this.#sweepIntervalMs = sweepIntervalMs;
    this.#describe = describe;
  }

  get size(): number {
    return this.#pending.size;
  }

  add(opaque: number, code: number, timeoutMs: number, callback: ResponseCallback): void {
    this.#pending.set(opaque, { deadline: Date.now() + timeoutMs, callback, code });
    if (this.#timer === undefined) {
      // Not unref'd: a pending request is a reason to stay alive, at least until it times out.
      this.#timer = setInterval(() => this.sweep(Date.now()), this.#sweepIntervalMs);
    }
  }

  /** Completes the request `response.opaque`; false when nothing was waiting for it. */
  complete(response: RemotingCommand): boolean {
    const p = this.#pending.get(response.opaque);
    if (p === undefined) return false;
    this.#pending.delete(response.opaque);
    p.callback(undefined, response);
    return true;
  }

  /** Fails one request (its write failed). */
  fail(opaque: number, error: ContrailError): void {
    const p = this.#pending.get(opaque);
    if (p === undefined) return;
    this.#pending.delete(opaque);
    p.callback(error, undefined);
  }

  /** Times out every request whose deadline has passed. */
  sweep(now: number): void {
    for (const [opaque, p] of this.#pending) {
      if (p.deadline > now) continue;
      this.#pending.delete(opaque);
      p.callback(
        new ContrailError('REQUEST_TIMEOUT', `no response to request code ${p.code} (opaque ${opaque}) from ${this.#describe()}`),
        undefined,
      );
    }
    this.#stopIfEmpty();
  }

  /** Fails everything (the connection closed). */
  failAll(error: ContrailError): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    this.#stopIfEmpty();
    for (const p of all) p.callback(error, undefined);
  }

  // Only sweeps and failAll stop the timer: stopping it whenever the table empties would
  // create a timer per request for a caller that sends one request at a time.
  #stopIfEmpty(): void {
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
