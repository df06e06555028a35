// Sessions of people signed in to the console, kept in Postgres (every API replica sees the same
// ones; signing out or deactivating a user ends them everywhere at once).
//
// The browser holds a random token in a cookie; the table keeps only its sha256, so a leaked table
// holds no usable cookie. A session ends after 8 hours without a request (idle) and 24 hours after
// sign-in (absolute), whichever comes first. Each session has its own CSRF token, which the client
// sends back in a header on state-changing requests.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '@ew/db';
import { activeUsers, toSignedInUser, type SignedInUser } from './identity.ts';
import { hashToken } from './tokens.ts';

export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60 * 1000;

export interface NewSession {
  /** The cookie value. Never stored: only its sha256 is. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ActiveSession {
  user: SignedInUser;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Kysely<DB> | Transaction<DB>, userId: number): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const row = await db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      csrf_token: csrfToken,
      expires_at: sql<Date>`now() + make_interval(secs => ${SESSION_ABSOLUTE_MS / 1000})`,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
  return { token, csrfToken, expiresAt: row.expires_at };
}

/**
 * The live session of this cookie token and its (active) user, or null when there is none, it
 * has expired (idle or absolute) or the user was deactivated. Marks the session as seen.
 */
export async function findSession(db: Kysely<DB>, token: string): Promise<ActiveSession | null> {
  const id = hashToken(token);
  const row = await activeUsers(db)
    .innerJoin('sessions', 'sessions.user_id', 'users.id')
    .select([
      'sessions.csrf_token',
      'sessions.expires_at',
      sql<boolean>`sessions.last_seen_at < now() - make_interval(secs => ${TOUCH_EVERY_MS / 1000})`.as(
        'stale',
      ),
    ])
    .where('sessions.id', '=', id)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .where('sessions.last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${SESSION_IDLE_MS / 1000})`)
    .executeTakeFirst();
  if (row === undefined) return null;
  if (row.stale) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }
  return { user: toSignedInUser(row), csrfToken: row.csrf_token, expiresAt: row.expires_at };
}

/** Ends the session of this cookie token; returns its user's id, or null when there was none. */
export async function deleteSession(db: Kysely<DB>, token: string): Promise<number | null> {
  const row = await db
    .deleteFrom('sessions')
    .where('id', '=', hashToken(token))
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id ?? null;
}

/** Ends every session of a user (deactivation, password reset). */
export async function deleteUserSessions(db: Kysely<DB> | Transaction<DB>, userId: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes sessions past either expiry (they are refused anyway; this keeps the table small). */
export async function purgeExpiredSessions(db: Kysely<DB>): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', sql<Date>`now()`),
        eb('last_seen_at', '<=', sql<Date>`now() - make_interval(secs => ${SESSION_IDLE_MS / 1000})`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
