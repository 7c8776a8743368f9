// Public entry of @contrail/common.
export * from './errors.js';
export * from './logger.js';
export * from './crc32.js';
export * from './durable-file.js';
export * from './message-const.js';
export * from './properties.js';
export * from './tag-hash.js';
export * from './message-id.js';
export * from './stored-message.js';
export * from './batch-body.js';
export * from './message.js';
export * from './lenient-json.js';
export * from './java-properties.js';
export * from './recall-handle.js';
export * from './topic-route-data.js';
