// Public entry of @contrail/dashboard.
export { DashboardServer, MAX_BODY_BYTES, type DashboardOptions } from './dashboard-server.js';
export { HTTP_ERROR_STATUS, HttpError, errorAnswer, type HttpErrorCode } from './http-error.js';
export { ROUTES, topicKind, type TopicKind } from './api.js';
