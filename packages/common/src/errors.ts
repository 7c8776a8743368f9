// The one table of Contrail's errors: a stable string code for each, whether a client may
// retry it, the remoting response code it travels as and the RocketMQ 5 gRPC status code.
// Servers answer from it; clients raise from it. docs/errors.md is kept in sync by a test.

export interface ErrorSpec {
  /** Remoting response code (RocketMQ ResponseCode), or null when it never travels on remoting. */
  readonly remoting: number | null;
  /** apache.rocketmq.v2.Code value. */
  readonly grpc: number;
  readonly retriable: boolean;
  readonly description: string;
}

export const ERRORS = {
  SYSTEM_ERROR: { remoting: 1, grpc: 50001, retriable: true, description: 'Unexpected failure inside the server.' },
  SYSTEM_BUSY: { remoting: 2, grpc: 42900, retriable: true, description: 'The server is overloaded (a processor reached its concurrency limit); retry later.' },
  REQUEST_CODE_NOT_SUPPORTED: { remoting: 3, grpc: 50100, retriable: false, description: 'The request code is unknown to this server.' },
  TRANSACTION_FAILED: { remoting: 4, grpc: 50001, retriable: false, description: 'A transactional operation failed.' },
  FLUSH_DISK_TIMEOUT: { remoting: 10, grpc: 50401, retriable: false, description: 'Stored, but the flush to disk did not finish within syncFlushTimeout.' },
  SLAVE_NOT_AVAILABLE: { remoting: 11, grpc: 50002, retriable: false, description: 'Stored, but no slave is available for synchronous replication.' },
  FLUSH_SLAVE_TIMEOUT: { remoting: 12, grpc: 50402, retriable: false, description: 'Stored, but the slave did not confirm in time.' },
  MESSAGE_ILLEGAL: { remoting: 13, grpc: 40000, retriable: false, description: 'The message is malformed or too large (body, properties, topic name).' },
  SERVICE_NOT_AVAILABLE: { remoting: 14, grpc: 50001, retriable: true, description: 'The service is starting, stopping or not writable.' },
  VERSION_NOT_SUPPORTED: { remoting: 15, grpc: 50501, retriable: false, description: 'The client version is not supported.' },
  NO_PERMISSION: { remoting: 16, grpc: 40300, retriable: true, description: 'The topic or broker does not allow this operation (perm bits).' },
  TOPIC_NOT_EXIST: { remoting: 17, grpc: 40402, retriable: true, description: 'The topic does not exist.' },
  TOPIC_EXIST_ALREADY: { remoting: 18, grpc: 40000, retriable: false, description: 'The topic already exists.' },
  PULL_NOT_FOUND: { remoting: 19, grpc: 40401, retriable: false, description: 'No new message in the queue (a status, not a failure).' },
  PULL_RETRY_IMMEDIATELY: { remoting: 20, grpc: 40401, retriable: false, description: 'Every scanned message was filtered out; pull again from nextBeginOffset.' },
  PULL_OFFSET_MOVED: { remoting: 21, grpc: 40000, retriable: false, description: 'The requested offset is outside the queue; continue from nextBeginOffset.' },
  QUERY_NOT_FOUND: { remoting: 22, grpc: 40401, retriable: false, description: 'Nothing matched the query.' },
  SUBSCRIPTION_PARSE_FAILED: { remoting: 23, grpc: 40010, retriable: false, description: 'The subscription expression could not be parsed.' },
  SUBSCRIPTION_NOT_EXIST: { remoting: 24, grpc: 40403, retriable: true, description: 'The group has no subscription registered for this topic.' },
  SUBSCRIPTION_NOT_LATEST: { remoting: 25, grpc: 40000, retriable: true, description: 'The registered subscription is older than the request.' },
  SUBSCRIPTION_GROUP_NOT_EXIST: { remoting: 26, grpc: 40403, retriable: false, description: 'The consumer group does not exist.' },
  INVALID_PARAMETER: { remoting: 29, grpc: 40000, retriable: false, description: 'A request field is missing or out of range.' },
  TRANSACTION_STATE_GROUP_WRONG: { remoting: 203, grpc: 40008, retriable: false, description: 'The transaction belongs to another producer group.' },
  ILLEGAL_OPERATION: { remoting: 604, grpc: 40000, retriable: false, description: 'The request is well formed but not allowed now: a recall handle for another topic or broker, or for a message that is already due.' },
  CONSUMER_NOT_ONLINE: { remoting: 206, grpc: 40403, retriable: false, description: 'No live consumer of the group is connected.' },
  FRAME_TOO_LARGE: { remoting: null, grpc: 41300, retriable: false, description: 'A remoting frame is larger than 16 MiB; the connection is closed.' },
  FRAME_MALFORMED: { remoting: null, grpc: 40000, retriable: false, description: 'A remoting frame or header could not be decoded; the connection is closed.' },
  REQUEST_TIMEOUT: { remoting: null, grpc: 50400, retriable: true, description: 'No response arrived within the request timeout.' },
  CONNECTION_CLOSED: { remoting: null, grpc: 50001, retriable: true, description: 'The connection closed before the response arrived.' },
  CONNECT_FAILED: { remoting: null, grpc: 50001, retriable: true, description: 'Could not connect to the remote address.' },
  STORE_CORRUPTED: { remoting: null, grpc: 50001, retriable: false, description: 'Recovery found corruption in data the store had promised; start-up stops.' },
  CONFIG_INVALID: { remoting: null, grpc: 40000, retriable: false, description: 'A configuration value or command-line flag is invalid.' },
  CLIENT_STATE: { remoting: null, grpc: 40000, retriable: false, description: 'The client was used in the wrong lifecycle state (not started, shut down).' },
  ROUTE_NOT_FOUND: { remoting: null, grpc: 40402, retriable: true, description: 'No route (no writable queue) is known for the topic.' },
  INVALID_RECEIPT_HANDLE: { remoting: null, grpc: 40013, retriable: false, description: 'The receipt handle is unknown or stale: the message was acknowledged, redelivered or its invisible time changed.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

const byRemoting = new Map<number, ErrorCode>();
for (const [code, spec] of Object.entries(ERRORS) as [ErrorCode, ErrorSpec][]) {
  if (spec.remoting !== null && !byRemoting.has(spec.remoting)) byRemoting.set(spec.remoting, code);
}

/** The error code a remoting response code stands for (SYSTEM_ERROR for unknown codes). */
export function errorCodeOfRemoting(responseCode: number): ErrorCode {
  return byRemoting.get(responseCode) ?? 'SYSTEM_ERROR';
}

export interface ContrailErrorOptions {
  cause?: unknown;
  /** The remoting response code as received, when it differs from the table's. */
  responseCode?: number;
}

/** Every error Contrail raises: a stable `code`, `retriable`, and the wire codes it maps to. */
export class ContrailError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly responseCode: number | null;
  readonly grpcCode: number;

  constructor(code: ErrorCode, message: string, options: ContrailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ContrailError';
    const spec: ErrorSpec = ERRORS[code];
    this.code = code;
    this.retriable = spec.retriable;
    this.responseCode = options.responseCode ?? spec.remoting;
    this.grpcCode = spec.grpc;
  }

  /** The error a remoting response with a non-success code stands for. */
  static fromResponse(responseCode: number, remark: string | undefined): ContrailError {
    return new ContrailError(errorCodeOfRemoting(responseCode), remark ?? `response code ${responseCode}`, {
      responseCode,
    });
  }
}
