// Users, created without the HTTP API (a CLI command wires to these). A user's token is
// random, shown once to whoever creates the user, and stored only as its sha256.
import type { Kysely } from 'kysely';
import type { DB, UserRole } from '@ew/db';
import { audit } from './audit.ts';
import { AccountError } from './errors.ts';
import { hashToken, newToken } from './tokens.ts';

export interface CreateUserInput {
  username: string;
  displayName: string;
  role: UserRole;
  /** The town (by name, as in the register). Required for a CASEWORKER; stored but not used to scope other roles. */
  townName?: string;
  /** Who creates the user, for the audit log (default `cli`). */
  actor?: string;
}

export interface CreatedUser {
  userId: number;
  username: string;
  role: UserRole;
  townId: number | null;
  /** The bearer token. Shown once: only its sha256 is stored. */
  token: string;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Creates an active user with a fresh token. Errors (AccountError codes): `VALIDATION_FAILED` (bad
 * username or empty display name), `USERNAME_TAKEN`, `TOWN_REQUIRED` (a caseworker without a town),
 * `TOWN_UNKNOWN` (no town of that name: towns come from the register).
 */
export async function createUser(db: Kysely<DB>, input: CreateUserInput): Promise<CreatedUser> {
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
  return db.transaction().execute(async (trx) => {
    let townId: number | null = null;
    if (townName !== undefined) {
      const town = await trx.selectFrom('towns').select('id').where('name', '=', townName).executeTakeFirst();
      if (town === undefined) {
        const known = await trx.selectFrom('towns').select('name').orderBy('name').limit(50).execute();
        throw new AccountError(
          'TOWN_UNKNOWN',
          `no town "${townName}" (known: ${known.map((t) => t.name).join(', ') || 'none — load the register first'})`,
        );
      }
      townId = town.id;
    }
    const token = newToken();
    const inserted = await trx
      .insertInto('users')
      .values({
        username: input.username,
        display_name: displayName,
        role: input.role,
        town_id: townId,
        token_sha256: hashToken(token),
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined)
      throw new AccountError('USERNAME_TAKEN', `the username "${input.username}" exists`);
    await audit(trx, {
      actor: input.actor ?? 'cli',
      action: 'user.create',
      subjectType: 'user',
      subjectId: inserted.id,
      detail: { role: input.role, townId },
    });
    return { userId: inserted.id, username: input.username, role: input.role, townId, token };
  });
}

/** Replaces a user's token (the old one stops working at once) and returns the new one. */
export async function rotateToken(db: Kysely<DB>, username: string, actor = 'cli'): Promise<string> {
  const token = newToken();
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ token_sha256: hashToken(token) })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) throw new AccountError('NOT_FOUND', `no user "${username}"`);
    await audit(trx, { actor, action: 'user.rotate_token', subjectType: 'user', subjectId: updated.id });
    return token;
  });
}

/** Deactivates a user: their token stops working at once. */
export async function deactivateUser(db: Kysely<DB>, username: string, actor = 'cli'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ active: false })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) throw new AccountError('NOT_FOUND', `no user "${username}"`);
    await audit(trx, { actor, action: 'user.deactivate', subjectType: 'user', subjectId: updated.id });
  });
}
