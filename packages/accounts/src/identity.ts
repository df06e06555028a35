// Who a request belongs to: the signed-in user as the API sees them, looked up by bearer token or
// by session. Only active users are ever found (deactivating someone takes effect at once).
import type { Kysely } from 'kysely';
import type { DB, UserRole } from '@ew/db';
import { hashToken } from './tokens.ts';

export interface SignedInUser {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  townId: number | null;
  town: string | null;
}

/** Users with their town's name: the columns of a SignedInUser, for the lookups here and the lists. */
export function usersWithTown(db: Kysely<DB>) {
  return db
    .selectFrom('users')
    .leftJoin('towns', 'towns.id', 'users.town_id')
    .select([
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.town_id',
      'towns.name as town',
    ]);
}

/** Active users only: whoever is found here may act. */
export function activeUsers(db: Kysely<DB>) {
  return usersWithTown(db).where('users.active', '=', true);
}

export function toSignedInUser(row: {
  id: number;
  username: string;
  display_name: string;
  role: UserRole;
  town_id: number | null;
  town: string | null;
}): SignedInUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    townId: row.town_id,
    town: row.town,
  };
}

/** The active user holding this bearer token, or null. */
export async function findTokenUser(db: Kysely<DB>, token: string): Promise<SignedInUser | null> {
  const row = await activeUsers(db).where('users.token_sha256', '=', hashToken(token)).executeTakeFirst();
  return row === undefined ? null : toSignedInUser(row);
}
