// Users, created and changed without the HTTP API (the CLI wires to these). People sign in with a
// password (hashed with scrypt, see passwords.ts); machines and scripts hold a bearer token
// (random, shown once, stored only as its sha256). A user may have either or both.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, UserRole } from '@ew/db';
import { audit, type Operator } from './audit.ts';
import { AccountError } from './errors.ts';
import { toSignedInUser, usersWithTown, type SignedInUser } from './identity.ts';
import { checkPasswordPolicy, generatePassword, hashPassword } from './passwords.ts';
import { deleteUserSessions } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';

export const USER_ROLES: readonly UserRole[] = ['ADMIN', 'DATA_ADMIN', 'SUPERVISOR', 'CASEWORKER', 'OPS'];

export interface CreateUserInput {
  username: string;
  displayName: string;
  role: UserRole;
  /** The town (by name, as in the register). Required for a CASEWORKER; stored but not used to scope other roles. */
  townName?: string;
  /** The password to sign in with (checked against the policy); none: the user cannot sign in with one. */
  password?: string;
  /** Whether to issue a bearer token (default: when no password is given — a machine user). */
  token?: boolean;
}

export interface CreatedUser {
  userId: number;
  username: string;
  role: UserRole;
  townId: number | null;
  /** The bearer token, when one was issued. Shown once: only its sha256 is stored. */
  token: string | null;
}

export interface UserListItem extends SignedInUser {
  active: boolean;
  lastLoginAt: Date | null;
  hasPassword: boolean;
  hasToken: boolean;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function townIdOf(trx: Transaction<DB>, townName: string): Promise<number> {
  const town = await trx.selectFrom('towns').select('id').where('name', '=', townName).executeTakeFirst();
  if (town !== undefined) return town.id;
  const known = await trx.selectFrom('towns').select('name').orderBy('name').limit(50).execute();
  throw new AccountError(
    'TOWN_UNKNOWN',
    `no town "${townName}" (known: ${known.map((t) => t.name).join(', ') || 'none — load the register first'})`,
  );
}

/**
 * Creates an active user, with a password and/or a fresh token. Errors (AccountError codes):
 * `VALIDATION_FAILED` (bad username, empty display name, password against the policy),
 * `USERNAME_TAKEN`, `TOWN_REQUIRED` (a caseworker without a town), `TOWN_UNKNOWN` (no town of that
 * name: towns come from the register). Audits `user.create`.
 */
export async function createUser(db: Kysely<DB>, input: CreateUserInput, by: Operator): Promise<CreatedUser> {
  if (!USERNAME.test(input.username)) {
    throw new AccountError(
      'VALIDATION_FAILED',
      'username: 1-64 letters, digits, . _ - (starting with a letter or digit)',
    );
  }
  const displayName = input.displayName.trim();
  if (displayName === '') throw new AccountError('VALIDATION_FAILED', 'displayName must not be empty');
  const townName = input.townName?.trim() || undefined;
  if (input.role === 'CASEWORKER' && townName === undefined) {
    throw new AccountError('TOWN_REQUIRED', 'a caseworker works the queue of one town: give its name');
  }
  if (input.password !== undefined) checkPasswordPolicy(input.password);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const token = (input.token ?? input.password === undefined) ? newToken() : null;
  return db.transaction().execute(async (trx) => {
    const townId = townName === undefined ? null : await townIdOf(trx, townName);
    const inserted = await trx
      .insertInto('users')
      .values({
        username: input.username,
        display_name: displayName,
        role: input.role,
        town_id: townId,
        token_sha256: token === null ? null : hashToken(token),
        password_hash: passwordHash,
        password_changed_at: passwordHash === null ? null : sql<Date>`now()`,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined)
      throw new AccountError('USERNAME_TAKEN', `the username "${input.username}" exists`);
    await audit(trx, {
      ...by,
      action: 'user.create',
      subjectType: 'user',
      subjectId: inserted.id,
      detail: { role: input.role, townId, password: passwordHash !== null, token: token !== null },
    });
    return { userId: inserted.id, username: input.username, role: input.role, townId, token };
  });
}

/** Replaces a user's token (the old one stops working at once) and returns the new one. */
export async function rotateToken(db: Kysely<DB>, username: string, by: Operator): Promise<string> {
  const token = newToken();
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ token_sha256: hashToken(token) })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) throw new AccountError('NOT_FOUND', `no user "${username}"`);
    await audit(trx, { ...by, action: 'user.rotate_token', subjectType: 'user', subjectId: updated.id });
    return token;
  });
}

/** Deactivates a user: their token stops working and their sessions end at once. */
export async function deactivateUser(db: Kysely<DB>, username: string, by: Operator): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ active: false })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) throw new AccountError('NOT_FOUND', `no user "${username}"`);
    const sessions = await deleteUserSessions(trx, updated.id);
    await audit(trx, {
      ...by,
      action: 'user.deactivate',
      subjectType: 'user',
      subjectId: updated.id,
      detail: { sessionsEnded: sessions },
    });
  });
}

/**
 * Sets a new password (the given one, or a generated one, which is returned to be shown once),
 * ends the user's sessions and forgets their failed sign-ins. Audits `user.reset_password`.
 */
export async function resetPassword(
  db: Kysely<DB>,
  username: string,
  by: Operator,
  password?: string,
): Promise<{ password: string; generated: boolean }> {
  const generated = password === undefined;
  const chosen = password ?? generatePassword();
  checkPasswordPolicy(chosen);
  const passwordHash = await hashPassword(chosen);
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: sql<Date>`now()` })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) throw new AccountError('NOT_FOUND', `no user "${username}"`);
    const sessions = await deleteUserSessions(trx, updated.id);
    await trx.deleteFrom('login_failures').where('username', '=', username).execute();
    await audit(trx, {
      ...by,
      action: 'user.reset_password',
      subjectType: 'user',
      subjectId: updated.id,
      detail: { generated, sessionsEnded: sessions },
    });
  });
  return { password: chosen, generated };
}

/** Users by role and/or town (id), active ones first, then by username. */
export async function listUsers(
  db: Kysely<DB>,
  filter: { role?: UserRole; townId?: number; activeOnly?: boolean } = {},
): Promise<UserListItem[]> {
  let query = usersWithTown(db)
    .select([
      'users.active',
      'users.last_login_at',
      sql<boolean>`users.password_hash is not null`.as('has_password'),
      sql<boolean>`users.token_sha256 is not null`.as('has_token'),
    ])
    .orderBy('users.active', 'desc')
    .orderBy('users.username');
  if (filter.role !== undefined) query = query.where('users.role', '=', filter.role);
  if (filter.townId !== undefined) query = query.where('users.town_id', '=', filter.townId);
  if (filter.activeOnly) query = query.where('users.active', '=', true);
  const rows = await query.execute();
  return rows.map((r) => ({
    ...toSignedInUser(r),
    active: r.active,
    lastLoginAt: r.last_login_at,
    hasPassword: r.has_password,
    hasToken: r.has_token,
  }));
}
