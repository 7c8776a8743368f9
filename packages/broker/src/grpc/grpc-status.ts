// apache.rocketmq.v2.Status values: the door answers every failure in the response's Status
// (gRPC status stays OK), as RocketMQ's proxy does; the client raises from the code.
import { ContrailError, ERRORS } from '@contrail/common';
import type { PbStatus } from './proto-types.js';

export const Code = {
  OK: 20000,
  BAD_REQUEST: 40000,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_KEY: 40005,
  ILLEGAL_MESSAGE_GROUP: 40006,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 40007,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_MESSAGE_ID: 40009,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_POLLING_TIME: 40018,
  FORBIDDEN: 40300,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  MESSAGE_PROPERTIES_TOO_LARGE: 41300,
  MESSAGE_BODY_TOO_LARGE: 41301,
  INTERNAL_SERVER_ERROR: 50001,
  NOT_IMPLEMENTED: 50100,
} as const;

export function status(code: number, message: string): PbStatus {
  return { code, message };
}

export const OK: PbStatus = status(Code.OK, 'OK');

/** A status for anything a handler threw: the error table's gRPC code, else an internal error. */
export function statusOf(err: unknown): PbStatus {
  if (err instanceof GrpcStatusError) return err.status;
  if (err instanceof ContrailError) return status(ERRORS[err.code].grpc, err.message);
  return status(Code.INTERNAL_SERVER_ERROR, err instanceof Error ? err.message : String(err));
}

/** A request the door itself refuses (bad or missing fields), with the exact code to answer. */
export class GrpcStatusError extends Error {
  readonly status: PbStatus;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'GrpcStatusError';
    this.status = status(code, message);
  }
}

export function refuse(code: number, message: string): never {
  throw new GrpcStatusError(code, message);
}
