// The gRPC door: apache.rocketmq.v2.MessagingService on its own port, a second way into the
// same protocol-neutral core the remoting processors use. Every answer carries its outcome
// in the response's Status with gRPC status OK (the proxy's convention); a handler that
// throws answers with the error's code and the server keeps serving.
import { ContrailError, type Logger } from '@contrail/common';
import {
  Server,
  ServerCredentials,
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ackMessage, changeInvisibleDuration, forwardMessageToDeadLetterQueue } from './ack-handlers.js';
import type { CallLike } from './call-context.js';
import { heartbeat, notifyClientTermination } from './client-handlers.js';
import type { DoorDeps } from './door-deps.js';
import { Code, GrpcStatusError, status, statusOf } from './grpc-status.js';
import { messagingServiceDefinition } from './messaging-service-definition.js';
import { getOffset, pullMessage, queryOffset, updateOffset } from './offset-handlers.js';
import type { PbStatus, PbTelemetryCommand } from './proto-types.js';
import { recallMessage } from './recall-handler.js';
import { receiveMessage } from './receive-handler.js';
import { queryAssignment, queryRoute } from './route-handlers.js';
import { sendMessage } from './send-handler.js';
import { handleTelemetry, type TelemetryCall } from './telemetry-handler.js';
import { endTransaction } from './transaction-handler.js';

export interface GrpcDoorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

/** Far above the 4 MiB default, so a body near the maximum size is not refused by grpc-js itself. */
const MAX_RECEIVE_MESSAGE_LENGTH = 130 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 2000;

type UnaryFn<Req> = (deps: DoorDeps, call: CallLike, req: Req) => unknown;
type StreamFn<Req> = (deps: DoorDeps, call: ServerWritableStream<Req, unknown>) => Promise<void>;

export class GrpcDoor {
  readonly #options: GrpcDoorOptions;
  readonly #deps: () => DoorDeps;
  readonly #server: Server;
  readonly #telemetry = new Set<TelemetryCall>();
  #port = 0;

  /** `deps` is asked on every call; it throws while the broker is not running. */
  constructor(options: GrpcDoorOptions, deps: () => DoorDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#server = new Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_LENGTH, 'grpc.max_connection_idle_ms': 120_000 });
    this.#server.addService(messagingServiceDefinition(), this.#handlers());
  }

  get port(): number {
    return this.#port;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(`${this.#options.host}:${this.#options.port}`, ServerCredentials.createInsecure(), (err, port) => {
        if (err !== null) {
          reject(new ContrailError('CONFIG_INVALID', `cannot bind the gRPC port ${this.#options.host}:${this.#options.port}: ${err.message}`, { cause: err }));
          return;
        }
        this.#port = port;
        resolve(port);
      });
    });
  }

  /** Ends telemetry streams, lets calls in flight finish briefly, then closes everything. */
  async shutdown(): Promise<void> {
    for (const call of [...this.#telemetry]) {
      try {
        call.end();
      } catch {
        // Already gone.
      }
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  #handlers(): UntypedServiceImplementation {
    const unary =
      <Req>(name: string, fn: UnaryFn<Req>): handleUnaryCall<Req, unknown> =>
      (call, callback) => {
        Promise.resolve()
          .then(() => fn(this.#deps(), call, call.request))
          .then(
            (res) => callback(null, res),
            (err: unknown) => callback(null, { status: this.#failed(name, err) }),
          );
      };
    const streaming =
      <Req>(name: string, fn: StreamFn<Req>): handleServerStreamingCall<Req, unknown> =>
      (call) => {
        Promise.resolve()
          .then(() => fn(this.#deps(), call))
          .catch((err: unknown) => {
            try {
              call.write({ status: this.#failed(name, err) });
              call.end();
            } catch {
              // The call is gone.
            }
          });
      };
    const telemetry: handleBidiStreamingCall<PbTelemetryCommand, PbTelemetryCommand> = (call) => {
      try {
        handleTelemetry(this.#deps(), call, this.#telemetry);
      } catch (err) {
        call.write({ status: this.#failed('Telemetry', err) });
        call.end();
      }
    };
    const notImplemented =
      (what: string): UnaryFn<unknown> =>
      () => ({ status: status(Code.NOT_IMPLEMENTED, what) });
    return {
      QueryRoute: unary('QueryRoute', queryRoute),
      Heartbeat: unary('Heartbeat', heartbeat),
      SendMessage: unary('SendMessage', sendMessage),
      QueryAssignment: unary('QueryAssignment', queryAssignment),
      ReceiveMessage: streaming('ReceiveMessage', receiveMessage),
      AckMessage: unary('AckMessage', ackMessage),
      ForwardMessageToDeadLetterQueue: unary('ForwardMessageToDeadLetterQueue', forwardMessageToDeadLetterQueue),
      PullMessage: streaming('PullMessage', pullMessage),
      UpdateOffset: unary('UpdateOffset', updateOffset),
      GetOffset: unary('GetOffset', getOffset),
      QueryOffset: unary('QueryOffset', queryOffset),
      EndTransaction: unary('EndTransaction', endTransaction),
      Telemetry: telemetry,
      NotifyClientTermination: unary('NotifyClientTermination', notifyClientTermination),
      ChangeInvisibleDuration: unary('ChangeInvisibleDuration', changeInvisibleDuration),
      RecallMessage: unary('RecallMessage', recallMessage),
      SyncLiteSubscription: unary('SyncLiteSubscription', notImplemented('lite topics are not supported')),
    };
  }

  /** The status for a failed call; unexpected failures are logged. */
  #failed(rpc: string, err: unknown): PbStatus {
    if (!(err instanceof ContrailError) && !(err instanceof GrpcStatusError)) this.#options.logger.error({ err, rpc }, 'gRPC call failed');
    return statusOf(err);
  }
}
