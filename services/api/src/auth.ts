// Authentication and role checks.
//
// Two ways in:
//   - people: the session cookie `ew_session`, set by POST /auth/login (see routes/auth.ts). The
//     session lives in Postgres (@ew/accounts sessions.ts: idle 8 h, absolute 24 h). Every
//     state-changing request (POST/PUT/PATCH/DELETE) made with the cookie must carry
//     `x-csrf-token: <the session's CSRF token>` (GET /me tells it), else 403 CSRF_FAILED.
//   - machines and scripts: `Authorization: Bearer <token>` (a user's random token, stored only as
//     its sha256). No CSRF token: a browser never adds this header by itself.
// A request with an Authorization header is judged by it alone. The user is looked up among active
// users on every request (no cache: deactivating a user takes effect at once).
//
// Roles (domain §1, contract "Roles"):
//   ADMIN       users, settings, the audit log
//   DATA_ADMIN  imports, reviews
//   SUPERVISOR  reads everything, all towns; assigns, transfers, approves
//   CASEWORKER  tasks and alerts of their own town only (enforced in each query's SQL)
//   OPS         health, metrics and queue statistics
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Database, UserRole } from '@ew/db';
import { findSession, findTokenUser, type Operator, type SignedInUser } from '@ew/accounts';
import { ApiError } from './errors.ts';

export type ApiUser = SignedInUser;

export const SESSION_COOKIE = 'ew_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How the caller authenticated: the session (with its CSRF token) or a bearer token. */
export type ApiCredential = { via: 'session'; csrfToken: string } | { via: 'bearer' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireRole` before the handler runs; null on public routes. */
    user: ApiUser | null;
    /** Set with `user`. */
    credential: ApiCredential | null;
  }
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{16,256})[ \t]*$/i;
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session cookie's token, when the request carries a well-formed one. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return value !== undefined && SESSION_TOKEN.test(value) ? value : undefined;
}

/** Who sent the request (401 UNAUTHENTICATED when nobody valid), and the CSRF check (403 CSRF_FAILED). */
export async function authenticate(
  db: Database,
  request: FastifyRequest,
): Promise<{ user: ApiUser; credential: ApiCredential }> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw new ApiError('UNAUTHENTICATED', 'send `Authorization: Bearer <token>`');
    const user = await findTokenUser(db, token);
    if (user === null) throw new ApiError('UNAUTHENTICATED', 'unknown or revoked token');
    return { user, credential: { via: 'bearer' } };
  }
  const token = sessionTokenOf(request);
  if (token === undefined) {
    throw new ApiError(
      'UNAUTHENTICATED',
      'sign in (POST /auth/login) or send `Authorization: Bearer <token>`',
    );
  }
  const session = await findSession(db, token);
  if (session === null) throw new ApiError('UNAUTHENTICATED', 'the session has ended: sign in again');
  const csrf = request.headers[CSRF_HEADER];
  if (
    !SAFE_METHODS.has(request.method) &&
    !sameSecret(typeof csrf === 'string' ? csrf : undefined, session.csrfToken)
  ) {
    throw new ApiError('CSRF_FAILED', `send the header ${CSRF_HEADER} with the csrfToken of GET /me`);
  }
  return { user: session.user, credential: { via: 'session', csrfToken: session.csrfToken } };
}

/**
 * An onRequest hook (it runs before the body is read, so an unauthenticated upload is refused
 * before a byte of it is stored): 401 without a valid session or token, 403 CSRF_FAILED for a
 * cookie request without its CSRF token, 403 FORBIDDEN for a role not in `roles`.
 */
export function requireRole(db: Database, ...roles: UserRole[]): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const { user, credential } = await authenticate(db, request);
    if (!roles.includes(user.role)) {
      throw new ApiError('FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
    }
    request.user = user;
    request.credential = credential;
  };
}

/** Any signed-in user, whatever the role. */
export function requireUser(db: Database): onRequestAsyncHookHandler {
  return requireRole(db, 'ADMIN', 'DATA_ADMIN', 'SUPERVISOR', 'CASEWORKER', 'OPS');
}

/** The authenticated user of a route guarded by `requireRole`. */
export function userOf(request: FastifyRequest): ApiUser {
  if (request.user === null) throw new ApiError('UNAUTHENTICATED', 'not authenticated');
  return request.user;
}

/** The authenticated user as the audit log names them. */
export function operatorOf(request: FastifyRequest): Operator {
  const user = userOf(request);
  return { actor: user.username, actorUserId: user.id };
}

/**
 * A caseworker's town, for the SQL of every task/alert query: caseworkers see their own town only;
 * other roles that may read tasks (supervisors) see all towns (null).
 */
export function townScope(user: ApiUser): number | null {
  if (user.role !== 'CASEWORKER') return null;
  // the schema requires a town for caseworkers; a missing one must never widen the scope
  if (user.townId === null) throw new ApiError('FORBIDDEN', 'caseworker without a town');
  return user.townId;
}
