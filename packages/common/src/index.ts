// Public entry of @contrail/common.
export * from './errors.js';
export * from './logger.js';
