// The processor registry and the dispatch of one request: concurrency limits, error
// mapping, response flags, and the hooks that run once the response is written.

import { ContrailError, type Logger } from '@contrail/common';
import type { ProcessorContext, ProcessorOptions, RemotingProcessor } from './processor.js';
import { FLAG_RESPONSE, createResponse, isOneway, type OutgoingCommand, type RemotingCommand } from './remoting-command.js';
import type { RemotingConnection } from './remoting-connection.js';
import { ResponseCode } from './response-code.js';

interface Entry {
  readonly processor: RemotingProcessor;
  readonly concurrency: number;
  readonly rejectRequest: (() => boolean) | undefined;
  inFlight: number;
}

class Context implements ProcessorContext {
  readonly connection: RemotingConnection;
  hooks: (() => void)[] | undefined;

  constructor(connection: RemotingConnection) {
    this.connection = connection;
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  afterResponse(fn: () => void): void {
    (this.hooks ??= []).push(fn);
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<OutgoingCommand | null> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export class RequestDispatcher {
  readonly #entries = new Map<number, Entry>();
  #default: Entry | undefined;
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  register(code: number, processor: RemotingProcessor, options: ProcessorOptions = {}): void {
    this.#entries.set(code, makeEntry(processor, options));
  }

  registerDefault(processor: RemotingProcessor, options: ProcessorOptions = {}): void {
    this.#default = makeEntry(processor, options);
  }

  /** Requests being processed right now by the processor of `code`. */
  inFlight(code: number): number {
    return this.#entries.get(code)?.inFlight ?? 0;
  }

  dispatch(request: RemotingCommand, connection: RemotingConnection): void {
    const entry = this.#entries.get(request.code) ?? this.#default;
    if (entry === undefined) {
      const remark = ` request type ${request.code} not supported`;
      this.#finish(request, connection, undefined, createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {}, undefined, remark));
      return;
    }
    if ((entry.concurrency > 0 && entry.inFlight >= entry.concurrency) || entry.rejectRequest?.() === true) {
      const remark = '[OVERLOAD]system busy, start flow control for a while';
      this.#finish(request, connection, undefined, createResponse(request, ResponseCode.SYSTEM_BUSY, {}, undefined, remark));
      return;
    }
    entry.inFlight++;
    const ctx = new Context(connection);
    let result: OutgoingCommand | null | Promise<OutgoingCommand | null>;
    try {
      result = entry.processor(request, ctx);
    } catch (err) {
      entry.inFlight--;
      this.#finish(request, connection, ctx, this.#errorResponse(request, err));
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (response) => {
          entry.inFlight--;
          this.#finish(request, connection, ctx, response);
        },
        (err: unknown) => {
          entry.inFlight--;
          this.#finish(request, connection, ctx, this.#errorResponse(request, err));
        },
      );
    } else {
      entry.inFlight--;
      this.#finish(request, connection, ctx, result);
    }
  }

  #errorResponse(request: RemotingCommand, err: unknown): OutgoingCommand {
    if (err instanceof ContrailError && err.responseCode !== null) {
      if (err.code === 'SYSTEM_ERROR') this.#log.error({ err, code: request.code }, 'processor failed');
      return createResponse(request, err.responseCode, {}, undefined, err.message);
    }
    this.#log.error({ err, code: request.code }, 'processor threw');
    const message = err instanceof Error ? err.message : String(err);
    return createResponse(request, ResponseCode.SYSTEM_ERROR, {}, undefined, message);
  }

  #finish(request: RemotingCommand, connection: RemotingConnection, ctx: Context | undefined, response: OutgoingCommand | null): void {
    const hooks = ctx?.hooks;
    if (response === null || isOneway(request)) {
      if (hooks) runHooks(hooks, this.#log);
      return;
    }
    // Whatever the processor built, the client needs its opaque, the response bit and its own serialization back.
    response.opaque = request.opaque;
    response.flag |= FLAG_RESPONSE;
    response.serializeType = request.serializeType;
    const ok = connection.send(response, hooks ? () => runHooks(hooks, this.#log) : undefined);
    // Stop reading from a peer that does not read its responses; resumed on drain.
    if (!ok && !connection.closed) connection.pauseReading();
  }
}

function makeEntry(processor: RemotingProcessor, options: ProcessorOptions): Entry {
  return { processor, concurrency: options.concurrency ?? 0, rejectRequest: options.rejectRequest, inFlight: 0 };
}

function runHooks(hooks: readonly (() => void)[], log: Logger): void {
  for (const fn of hooks) {
    try {
      fn();
    } catch (err) {
      log.error({ err }, 'afterResponse hook threw');
    }
  }
}
