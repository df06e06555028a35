// @ew/api: the HTTP API and caseworker console. `buildApp` for tests and main.ts; the user
// functions for the CLI.
export { buildApp, DEFAULT_MAX_UPLOAD_BYTES, type ApiOptions } from './app.ts';
export {
  createUser,
  rotateToken,
  deactivateUser,
  newToken,
  type CreateUserInput,
  type CreatedUser,
} from './users.ts';
export { ApiError, ERROR_STATUS, type ErrorCode } from './errors.ts';
export { hashToken, type ApiUser } from './auth.ts';
