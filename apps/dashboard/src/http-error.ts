// Errors of the HTTP API: each has a status and a stable code, answered as
// {"error":{"code","message"}}. Errors from the cluster (ContrailError) keep their own code and
// get the status that fits it. The codes are listed in docs/errors.md.
import { ContrailError, type ErrorCode } from '@contrail/common';

export type HttpErrorCode = 'BAD_REQUEST' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE';

/** Each code's HTTP status (docs/errors.md lists the same). */
export const HTTP_ERROR_STATUS: Readonly<Record<HttpErrorCode, number>> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** Extra response headers (Allow for 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = HTTP_ERROR_STATUS[code];
  }
}

/** Cluster errors that are the caller's doing, or name something that is not there. */
const CONTRAIL_STATUS: Partial<Record<ErrorCode, number>> = {
  MESSAGE_ILLEGAL: 400,
  CONFIG_INVALID: 400,
  INVALID_PARAMETER: 400,
  TOPIC_NOT_EXIST: 404,
  ROUTE_NOT_FOUND: 404,
  QUERY_NOT_FOUND: 404,
  SUBSCRIPTION_GROUP_NOT_EXIST: 404,
  CONNECT_FAILED: 503,
  REQUEST_TIMEOUT: 503,
  CONNECTION_CLOSED: 503,
  SERVICE_NOT_AVAILABLE: 503,
  SYSTEM_BUSY: 503,
};

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** What the API answers for an error thrown while serving a request. */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  if (err instanceof ContrailError) return { status: CONTRAIL_STATUS[err.code] ?? 500, code: err.code, message: err.message, headers: {} };
  return { status: 500, code: 'SYSTEM_ERROR', message: err instanceof Error ? err.message : String(err), headers: {} };
}
