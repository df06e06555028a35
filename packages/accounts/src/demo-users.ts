// The demo's users (README "Using it"): one per role, and one caseworker per town of the loaded
// register (cw1, cw2, … by town name), all with the demo password. Idempotent: a user that exists
// is left as it is (its password is not reset), so a second demo changes nothing.
import type { Kysely } from 'kysely';
import type { DB, UserRole } from '@ew/db';
import type { Operator } from './audit.ts';
import { createUser } from './users.ts';

export const DEMO_PASSWORD = 'ew-demo-2026';

export interface DemoUser {
  username: string;
  displayName: string;
  role: UserRole;
  town: string | null;
}

/** The demo users for these towns, in the order they are printed. */
export function demoUsers(towns: readonly string[]): DemoUser[] {
  const sorted = [...towns].sort((a, b) => a.localeCompare(b, 'zh-CN'));
  return [
    { username: 'admin', displayName: '系统管理员', role: 'ADMIN', town: null },
    { username: 'data', displayName: '数据管理员', role: 'DATA_ADMIN', town: null },
    { username: 'supervisor', displayName: '区局督导', role: 'SUPERVISOR', town: null },
    { username: 'ops', displayName: '运维', role: 'OPS', town: null },
    ...sorted.map((town, i) => ({
      username: `cw${i + 1}`,
      displayName: `${town}社工`,
      role: 'CASEWORKER' as const,
      town,
    })),
  ];
}

/** Creates the demo users that do not exist yet; returns those it created (empty the second time). */
export async function ensureDemoUsers(db: Kysely<DB>, by: Operator): Promise<DemoUser[]> {
  const towns = await db.selectFrom('towns').select('name').execute();
  const wanted = demoUsers(towns.map((t) => t.name));
  const existing = new Set(
    (
      await db
        .selectFrom('users')
        .select('username')
        .where(
          'username',
          'in',
          wanted.map((u) => u.username),
        )
        .execute()
    ).map((u) => u.username),
  );
  const created: DemoUser[] = [];
  for (const u of wanted) {
    if (existing.has(u.username)) continue;
    await createUser(
      db,
      {
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        ...(u.town === null ? {} : { townName: u.town }),
        password: DEMO_PASSWORD,
      },
      by,
    );
    created.push(u);
  }
  return created;
}
