// @ew/api: the HTTP API and the console. `buildApp` for tests and main.ts.
export { buildApp, DEFAULT_MAX_UPLOAD_BYTES, type ApiOptions } from './app.ts';
export { ApiError, ERROR_STATUS, type ErrorCode } from './errors.ts';
export { type ApiUser } from './auth.ts';
