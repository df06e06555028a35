// Bearer-token authentication and role checks.
//
// A user holds one random token (see users.ts); the database keeps only its sha256, so a leaked
// table holds no usable credential. Every request but the public ones (health, the console page)
// sends `Authorization: Bearer <token>`; the user is looked up by sha256(token) among active users
// on every request (no cache: deactivating a user takes effect at once).
//
// Roles (domain §1):
//   ADMIN       data administrator: imports, reviews
//   SUPERVISOR  reads everything, all towns
//   CASEWORKER  tasks and alerts of their own town only (enforced in each query's SQL)
//   OPS         metrics and queue statistics
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Database, UserRole } from '@ew/db';
import { hashToken } from '@ew/accounts';
import { ApiError } from './errors.ts';

export interface ApiUser {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  townId: number | null;
  town: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireRole` before the handler runs; null on public routes. */
    user: ApiUser | null;
  }
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{16,256})[ \t]*$/i;

export async function authenticate(db: Database, header: string | undefined): Promise<ApiUser> {
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) {
    throw new ApiError('UNAUTHENTICATED', 'send `Authorization: Bearer <token>`');
  }
  const row = await db
    .selectFrom('users')
    .leftJoin('towns', 'towns.id', 'users.town_id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.town_id',
      'towns.name as town',
    ])
    .where('users.token_sha256', '=', hashToken(token))
    .where('users.active', '=', true)
    .executeTakeFirst();
  if (row === undefined) throw new ApiError('UNAUTHENTICATED', 'unknown or revoked token');
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    townId: row.town_id,
    town: row.town,
  };
}

/**
 * An onRequest hook (it runs before the body is read, so an unauthenticated upload is refused
 * before a byte of it is stored): 401 without a valid token, 403 for a role not in `roles`.
 */
export function requireRole(db: Database, ...roles: UserRole[]): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const user = await authenticate(db, request.headers.authorization);
    if (!roles.includes(user.role)) {
      throw new ApiError('FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
    }
    request.user = user;
  };
}

/** The authenticated user of a route guarded by `requireRole`. */
export function userOf(request: FastifyRequest): ApiUser {
  if (request.user === null) throw new ApiError('UNAUTHENTICATED', 'not authenticated');
  return request.user;
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
