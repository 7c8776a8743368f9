// The apache.rocketmq.v2 messages as @grpc/proto-loader hands them over and takes them back
// (longs as numbers, enums as names on input, oneofs named, unset fields absent). Only the
// fields the door reads or writes are declared; every input field is optional because the
// wire may leave any of them out.

export interface PbDuration {
  seconds?: number | string;
  nanos?: number;
}
export type PbTimestamp = PbDuration;

export interface PbResource {
  resource_namespace?: string;
  name?: string;
}

export interface PbAddress {
  host?: string;
  port?: number;
}

export interface PbEndpoints {
  scheme?: string | number;
  addresses?: PbAddress[];
}

export interface PbBroker {
  name?: string;
  id?: number;
  endpoints?: PbEndpoints;
}

export interface PbMessageQueue {
  topic?: PbResource;
  id?: number;
  permission?: string | number;
  broker?: PbBroker;
  accept_message_types?: (string | number)[];
}

export interface PbFilterExpression {
  type?: string | number;
  expression?: string;
}

export interface PbStatus {
  code: number;
  message: string;
}

export interface PbDigest {
  type?: string | number;
  checksum?: string;
}

export interface PbSystemProperties {
  tag?: string;
  keys?: string[];
  message_id?: string;
  body_digest?: PbDigest;
  body_encoding?: string | number;
  message_type?: string | number;
  born_timestamp?: PbTimestamp;
  born_host?: string;
  store_timestamp?: PbTimestamp;
  store_host?: string;
  delivery_timestamp?: PbTimestamp;
  receipt_handle?: string;
  queue_id?: number;
  queue_offset?: number;
  invisible_duration?: PbDuration;
  delivery_attempt?: number;
  message_group?: string;
  trace_context?: string;
  orphaned_transaction_recovery_duration?: PbDuration;
  dead_letter_queue?: { topic?: string; message_id?: string };
  lite_topic?: string;
  priority?: number;
}

export interface PbMessage {
  topic?: PbResource;
  user_properties?: Record<string, string>;
  system_properties?: PbSystemProperties;
  body?: Buffer;
}

export interface PbRetryPolicy {
  max_attempts?: number;
  exponential_backoff?: { initial?: PbDuration; max?: PbDuration; multiplier?: number };
  customized_backoff?: { next?: PbDuration[] };
  strategy?: string;
}

export interface PbSubscriptionEntry {
  topic?: PbResource;
  expression?: PbFilterExpression;
}

export interface PbSettings {
  client_type?: string | number;
  access_point?: PbEndpoints;
  backoff_policy?: PbRetryPolicy;
  request_timeout?: PbDuration;
  publishing?: { topics?: PbResource[]; max_body_size?: number; validate_message_type?: boolean };
  subscription?: {
    group?: PbResource;
    subscriptions?: PbSubscriptionEntry[];
    fifo?: boolean;
    receive_batch_size?: number;
    long_polling_timeout?: PbDuration;
  };
  pub_sub?: string;
  user_agent?: { language?: string | number; version?: string; platform?: string; hostname?: string };
  metric?: { on?: boolean };
}

export interface PbTelemetryCommand {
  status?: PbStatus;
  settings?: PbSettings;
  thread_stack_trace?: { nonce?: string; thread_stack_trace?: string };
  verify_message_result?: { nonce?: string };
  recover_orphaned_transaction_command?: { message?: PbMessage; transaction_id?: string };
  print_thread_stack_trace_command?: { nonce?: string };
  verify_message_command?: { nonce?: string; message?: PbMessage };
  reconnect_endpoints_command?: { nonce?: string };
  command?: string;
}

export interface PbQueryRouteRequest {
  topic?: PbResource;
  endpoints?: PbEndpoints;
}

export interface PbSendMessageRequest {
  messages?: PbMessage[];
}

export interface PbSendResultEntry {
  status: PbStatus;
  message_id?: string;
  transaction_id?: string;
  offset?: number;
  recall_handle?: string;
}

export interface PbQueryAssignmentRequest {
  topic?: PbResource;
  group?: PbResource;
  endpoints?: PbEndpoints;
}

export interface PbReceiveMessageRequest {
  group?: PbResource;
  message_queue?: PbMessageQueue;
  filter_expression?: PbFilterExpression;
  batch_size?: number;
  invisible_duration?: PbDuration;
  auto_renew?: boolean;
  long_polling_timeout?: PbDuration;
  attempt_id?: string;
}

export interface PbReceiveMessageResponse {
  status?: PbStatus;
  message?: PbMessage;
  delivery_timestamp?: PbTimestamp;
}

export interface PbAckMessageRequest {
  group?: PbResource;
  topic?: PbResource;
  entries?: { message_id?: string; receipt_handle?: string }[];
}

export interface PbForwardToDlqRequest {
  group?: PbResource;
  topic?: PbResource;
  receipt_handle?: string;
  message_id?: string;
  delivery_attempt?: number;
  max_delivery_attempts?: number;
}

export interface PbHeartbeatRequest {
  group?: PbResource;
  client_type?: string | number;
}

export interface PbEndTransactionRequest {
  topic?: PbResource;
  message_id?: string;
  transaction_id?: string;
  resolution?: string | number;
  source?: string | number;
}

export interface PbNotifyClientTerminationRequest {
  group?: PbResource;
}

export interface PbChangeInvisibleDurationRequest {
  group?: PbResource;
  topic?: PbResource;
  receipt_handle?: string;
  invisible_duration?: PbDuration;
  message_id?: string;
}

export interface PbPullMessageRequest {
  group?: PbResource;
  message_queue?: PbMessageQueue;
  offset?: number;
  batch_size?: number;
  filter_expression?: PbFilterExpression;
  long_polling_timeout?: PbDuration;
}

export interface PbPullMessageResponse {
  status?: PbStatus;
  message?: PbMessage;
  next_offset?: number;
}

export interface PbUpdateOffsetRequest {
  group?: PbResource;
  message_queue?: PbMessageQueue;
  offset?: number;
}

export interface PbGetOffsetRequest {
  group?: PbResource;
  message_queue?: PbMessageQueue;
}

export interface PbQueryOffsetRequest {
  message_queue?: PbMessageQueue;
  query_offset_policy?: string | number;
  timestamp?: PbTimestamp;
}

export interface PbRecallMessageRequest {
  topic?: PbResource;
  recall_handle?: string;
}
