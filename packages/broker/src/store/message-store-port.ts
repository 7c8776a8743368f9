// The part of the message store the broker uses: @contrail/store's own interface, under the
// name the broker's services use for it.
export type {
  ArriveListener,
  GetMessageResult,
  GetMessageStatus,
  MessageStore as MessageStorePort,
  PutMessageInput,
  PutMessageResult,
  PutMessageStatus,
  QueryMessageResult,
} from '@contrail/store';
