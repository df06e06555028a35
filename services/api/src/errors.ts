// The API's one error type. Every failure reaches the client as
//   { "error": { "code": "<CODE>", "message": "...", "issues"?: [{ "path": [...], "message": "..." }] } }
// with the HTTP status fixed by the code. Codes are stable (clients and the console switch on
// them); messages are for people and may change.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError, type z } from 'zod';
import { DomainError } from '@ew/core';
import { ImportRequestError } from '@ew/pipeline/imports/request-import';
import { ReviewDecisionError } from '@ew/pipeline/match/review';

/**
 * - `VALIDATION_FAILED`      a query, path parameter or body failed its schema (`issues` say where)
 * - `BAD_REQUEST`            a malformed request (bad JSON, empty body, …)
 * - `UNAUTHENTICATED`        no session cookie or bearer token, an expired session, or not one of an active user
 * - `LOGIN_FAILED`           POST /auth/login: wrong username or password (the same for both)
 * - `LOGIN_THROTTLED`        POST /auth/login: too many failures for the username, or requests from the address
 * - `CSRF_FAILED`            a state-changing request with the session cookie lacks the session's `x-csrf-token`
 * - `FORBIDDEN`              the caller's role may not do this
 * - `NOT_FOUND`              no such route or resource — or one the caller may not see (never 403 then)
 * - `UNSUPPORTED_MEDIA_TYPE` wrong content type (an upload that is not multipart/form-data)
 * - `PAYLOAD_TOO_LARGE`      a body, field or uploaded file over its limit
 * - `FILE_MISSING`           an upload without a file part
 * - `FEED_UNKNOWN`           no mapping for that feed (or the register, loaded elsewhere)
 * - `PERIOD_INVALID`         the period is not YYYY-MM or YYYY-MM-DD
 * - `DELIVERY_EXISTS`        the feed already has a delivery for that period (ask to replace it)
 * - `REGISTER_NOT_LOADED`    a feed upload before any register snapshot was applied
 * - `REVIEW_NOT_FOUND`       no such review
 * - `ALREADY_DECIDED`        the review was decided before, differently
 * - `NOT_A_CANDIDATE`        the chosen person is not a candidate of the review
 * - `PERSON_INACTIVE`        the chosen person has left the register
 * - `TASK_NOT_CLAIMABLE`     (no longer used: a claim of a task not NEW is TRANSITION_NOT_ALLOWED)
 * - `TASK_STALE`             the task changed since the version the caller acted on: reload it
 * - `TRANSITION_NOT_ALLOWED` the task's state does not allow that action (see @ew/casework workflow.ts)
 * - `AMOUNT_NEEDS_CASE_BY_CASE` temporary aid at or above the case-by-case amount (一事一议)
 * - `USERNAME_TAKEN`         createUser: the username exists
 * - `TOWN_UNKNOWN`           createUser: no town of that name
 * - `TOWN_REQUIRED`          createUser: a caseworker needs a town
 * - `REPORT_PERIOD_INVALID`  a reporting period that is not YYYY-MM-14 or YYYY-MM-28
 * - `REPORT_MONTH_INVALID`   a report month that is not YYYY-MM
 * - `REPORT_RANGE_INVALID`   a report date range that ends before it starts
 * - `REPORT_CONFIG_INVALID`  the platform export config (infra/config/platform-export.yaml) is unreadable or invalid
 * - `UNAVAILABLE`            a service the request needs (Redis) does not answer
 * - `INTERNAL`               anything else (details only in the log)
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  LOGIN_FAILED: 401,
  LOGIN_THROTTLED: 429,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  FILE_MISSING: 400,
  FEED_UNKNOWN: 400,
  PERIOD_INVALID: 400,
  DELIVERY_EXISTS: 409,
  REGISTER_NOT_LOADED: 409,
  REVIEW_NOT_FOUND: 404,
  ALREADY_DECIDED: 409,
  NOT_A_CANDIDATE: 400,
  PERSON_INACTIVE: 409,
  TASK_NOT_CLAIMABLE: 409,
  TASK_STALE: 409,
  TRANSITION_NOT_ALLOWED: 409,
  AMOUNT_NEEDS_CASE_BY_CASE: 400,
  USERNAME_TAKEN: 409,
  TOWN_UNKNOWN: 400,
  TOWN_REQUIRED: 400,
  REPORT_PERIOD_INVALID: 400,
  REPORT_MONTH_INVALID: 400,
  REPORT_RANGE_INVALID: 400,
  REPORT_CONFIG_INVALID: 500,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorIssue {
  path: Array<string | number>;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: ErrorIssue[] };
}

/**
 * The path of the first string (value or key) holding a NUL character, or undefined. Postgres
 * refuses NUL in text, so such input must be refused here, not by the database (a 500).
 */
export function nulPath(
  value: unknown,
  path: Array<string | number> = [],
  depth = 0,
): Array<string | number> | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    if (k.includes('\u0000')) return [...path, key];
    const found = nulPath(v, [...path, key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Parses one part of a request (`where`: query, params or body); a failure is VALIDATION_FAILED.
 * Text with a NUL character is refused whatever the schema says.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'query' | 'params' | 'body',
): z.output<S> {
  const nul = nulPath(value);
  if (nul !== undefined) {
    const path = [where, ...nul];
    throw new ApiError(
      'VALIDATION_FAILED',
      `invalid ${path.join('.')}: text must not contain NUL characters`,
      [{ path, message: 'text must not contain NUL characters' }],
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, where);
}

function validationError(error: ZodError, where: string): ApiError {
  // messages only: zod issues carry no copy of the input unless asked to
  const issues = error.issues.map((i) => ({
    path: [where, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
  }));
  const first = issues[0];
  return new ApiError(
    'VALIDATION_FAILED',
    first ? `invalid ${first.path.join('.')}: ${first.message}` : `invalid ${where}`,
    issues,
  );
}

/** Maps whatever was thrown to an ApiError (domain errors by their own codes). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ImportRequestError || error instanceof ReviewDecisionError) {
    return new ApiError(error.code, error.message);
  }
  // a domain error whose code the API knows answers with that code's status
  if (error instanceof DomainError && Object.hasOwn(ERROR_STATUS, error.code)) {
    return new ApiError(error.code as ErrorCode, error.message);
  }
  if (error instanceof ZodError) return validationError(error, 'input');
  // Postgres data exceptions (class 22: out of range, invalid text, bad date) come from input the
  // schemas let through; the client gets a 400 without the database's words, the log the details
  const pgCode = (error as { code?: unknown }).code;
  if (typeof pgCode === 'string' && /^22[0-9A-Z]{3}$/.test(pgCode)) {
    return new ApiError('BAD_REQUEST', 'a value in the request is out of range or not valid here');
  }
  const fe = error as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 413) return new ApiError('PAYLOAD_TOO_LARGE', fe.message ?? 'request too large');
  if (status === 415 || fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return new ApiError('UNSUPPORTED_MEDIA_TYPE', fe.message ?? 'unsupported content type');
  }
  if (status === 404) return new ApiError('NOT_FOUND', 'not found');
  // fastify's own 4xx messages describe the request, never data
  if (status >= 400 && status < 500) return new ApiError('BAD_REQUEST', fe.message ?? 'bad request');
  return new ApiError('INTERNAL', 'internal error');
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    else
      request.log.info(
        { code: apiError.code, dbCode: (error as { code?: unknown }).code },
        'request refused',
      );
    const body: ErrorBody = { error: { code: apiError.code, message: apiError.message } };
    if (apiError.issues) body.error.issues = apiError.issues;
    return reply.status(apiError.status).send(body);
  });
  app.setNotFoundHandler((_request, reply) => {
    const body: ErrorBody = { error: { code: 'NOT_FOUND', message: 'not found' } };
    return reply.status(404).send(body);
  });
}
