// Signing in with a username and password, and signing out.
//
// Failed attempts are counted per username in Postgres (login_failures), so the limit holds
// across API replicas: after LOGIN_MAX_FAILURES failures within LOGIN_WINDOW_MS further attempts
// are refused (LOGIN_THROTTLED) — even with the right password — until the oldest falls out of
// the window. Attempts in flight at the same moment are not serialised, so a burst can get a few
// more guesses than the limit; the API's per-IP rate limit bounds that.
//
// An unknown username, a wrong password, a deactivated user and a user without a password all
// fail the same way (LOGIN_FAILED, same message, same time spent hashing): the answer never tells
// which usernames exist.
import { sql, type Kysely } from 'kysely';
import type { DB } from '@ew/db';
import { audit } from './audit.ts';
import { AccountError } from './errors.ts';
import { toSignedInUser, usersWithTown, type SignedInUser } from './identity.ts';
import { burnVerification, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.ts';
import { createSession, deleteSession, purgeExpiredSessions, type NewSession } from './sessions.ts';

export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

export const LOGIN_FAILED_MESSAGE = 'wrong username or password';

export interface SignInInput {
  username: string;
  password: string;
  /** The client's address, kept with a failure (for the operator, not for the limit). */
  ip?: string | null;
}

export interface SignedIn {
  user: SignedInUser;
  session: NewSession;
}

type FailureReason = 'unknown_user' | 'wrong_password' | 'inactive' | 'no_password' | 'throttled';

async function recentFailures(db: Kysely<DB>, username: string): Promise<number> {
  const row = await db
    .selectFrom('login_failures')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('username', '=', username)
    .where('at', '>', sql<Date>`now() - make_interval(secs => ${LOGIN_WINDOW_MS / 1000})`)
    .executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Checks the password and opens a session. Errors (AccountError codes): `LOGIN_THROTTLED` (too
 * many failures for this username lately), `LOGIN_FAILED` (anything else that is not a success).
 * Audits `auth.login` or `auth.login_failed`.
 */
export async function signIn(db: Kysely<DB>, input: SignInInput): Promise<SignedIn> {
  // usernames are stored as given (createUser checks their shape); anything longer is no username
  const username = input.username.slice(0, 64);
  const ip = input.ip ?? null;
  const failed = async (reason: FailureReason, userId: number | null): Promise<never> => {
    if (reason !== 'throttled') await db.insertInto('login_failures').values({ username, ip }).execute();
    // what was typed as an unknown username stays out of the audit log (it may be a password
    // typed into the wrong field); login_failures keeps it for the window of the limit only
    await audit(db, {
      actor: userId === null ? '(unknown user)' : username,
      actorUserId: null,
      action: 'auth.login_failed',
      subjectType: 'user',
      subjectId: userId,
      detail: userId === null ? { reason } : { username, reason },
    });
    if (reason === 'throttled') {
      throw new AccountError(
        'LOGIN_THROTTLED',
        `too many failed sign-ins for this username: try again in ${LOGIN_WINDOW_MS / 60_000} minutes`,
      );
    }
    throw new AccountError('LOGIN_FAILED', LOGIN_FAILED_MESSAGE);
  };

  if ((await recentFailures(db, username)) >= LOGIN_MAX_FAILURES) {
    const known = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirst();
    return failed('throttled', known?.id ?? null);
  }
  const row = await usersWithTown(db)
    .select(['users.active', 'users.password_hash'])
    .where('users.username', '=', username)
    .executeTakeFirst();
  const password = input.password.slice(0, PASSWORD_MAX_LENGTH + 1);
  if (row?.password_hash == null) {
    await burnVerification(password);
    return failed(row === undefined ? 'unknown_user' : 'no_password', row?.id ?? null);
  }
  if (!(await verifyPassword(password, row.password_hash))) return failed('wrong_password', row.id);
  if (!row.active) return failed('inactive', row.id);

  const session = await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ last_login_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
    await trx.deleteFrom('login_failures').where('username', '=', username).execute();
    await audit(trx, {
      actor: row.username,
      actorUserId: row.id,
      action: 'auth.login',
      subjectType: 'user',
      subjectId: row.id,
    });
    return createSession(trx, row.id);
  });
  // housekeeping on the way: expired sessions are refused anyway, old failures no longer count
  await purgeExpiredSessions(db);
  await db
    .deleteFrom('login_failures')
    .where('at', '<', sql<Date>`now() - make_interval(secs => ${LOGIN_WINDOW_MS / 1000})`)
    .execute();
  return { user: toSignedInUser(row), session };
}

/** Ends the session of this cookie token (audited when there was one). */
export async function signOut(db: Kysely<DB>, token: string): Promise<void> {
  const userId = await deleteSession(db, token);
  if (userId === null) return;
  const user = await db.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirst();
  await audit(db, {
    actor: user?.username ?? String(userId),
    actorUserId: userId,
    action: 'auth.logout',
    subjectType: 'user',
    subjectId: userId,
  });
}
