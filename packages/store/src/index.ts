// Public entry of @contrail/store.
export type {
  ArriveListener,
  FlushDiskType,
  GetMessageResult,
  GetMessageStatus,
  MessageStore,
  MessageStoreConfig,
  PutMessageInput,
  PutMessageResult,
  PutMessageStatus,
  QueryMessageResult,
  StoreStats,
  TagsCodeFilter,
} from './message-store.js';
export { isPutStored } from './message-store.js';
export { DefaultMessageStore } from './default-message-store.js';
export { MemoryMessageStore } from './memory-message-store.js';
export { parseDelayLevels, deliverTimestamp } from './delay-levels.js';
export { writeCheckpointFile, type CheckpointData } from './store-checkpoint.js';
export { segmentName } from './segment-file.js';
export { trimNativeHeap } from './page-cache.js';
