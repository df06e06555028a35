// Users, sign-in and sessions, and the demo users, against a real database.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@ew/db';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';
import { DEMO_PASSWORD, demoUsers, ensureDemoUsers } from './demo-users.ts';
import { findSession, SESSION_IDLE_MS } from './sessions.ts';
import { signIn, signOut } from './signin.ts';
import { createUser, deactivateUser, listUsers } from './users.ts';

const OP = { actor: 'cli:tester', actorUserId: null };
let tdb: TestDatabase;
let db: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  await db
    .insertInto('towns')
    .values([{ name: '西河镇' }, { name: '城关镇' }, { name: '东坝镇' }])
    .execute();
});
afterAll(async () => {
  await tdb?.drop();
});

describe('sign-in and sessions', () => {
  it('opens a session that finds its user, until signed out', async () => {
    const { userId } = await createUser(
      db,
      { username: 'wang', displayName: '王', role: 'SUPERVISOR', password: 'a long password' },
      OP,
    );
    const { user, session } = await signIn(db, {
      username: 'wang',
      password: 'a long password',
      ip: '10.1.1.1',
    });
    expect(user).toEqual({
      id: userId,
      username: 'wang',
      displayName: '王',
      role: 'SUPERVISOR',
      townId: null,
      town: null,
    });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + SESSION_IDLE_MS);
    expect(await findSession(db, session.token)).toEqual({
      user,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    });
    expect(await findSession(db, `${session.token.slice(0, -1)}x`)).toBeNull();
    await signOut(db, session.token);
    expect(await findSession(db, session.token)).toBeNull();
  });

  it('records failures and forgets them on success', async () => {
    await createUser(db, { username: 'li', displayName: '李', role: 'OPS', password: 'a long password' }, OP);
    await expect(signIn(db, { username: 'li', password: 'nope nope nope' })).rejects.toMatchObject({
      code: 'LOGIN_FAILED',
    });
    const failures = () =>
      db
        .selectFrom('login_failures')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('username', '=', 'li')
        .executeTakeFirstOrThrow();
    expect((await failures()).n).toBe(1);
    await signIn(db, { username: 'li', password: 'a long password' });
    expect((await failures()).n).toBe(0);
  });

  it('finds no session of a deactivated user', async () => {
    await createUser(
      db,
      { username: 'zhao', displayName: '赵', role: 'OPS', password: 'a long password' },
      OP,
    );
    const { session } = await signIn(db, { username: 'zhao', password: 'a long password' });
    await deactivateUser(db, 'zhao', OP);
    expect(await findSession(db, session.token)).toBeNull();
    expect(await db.selectFrom('sessions').selectAll().where('id', '=', session.token).execute()).toEqual([]);
    const audited = await db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'detail'])
      .where('action', '=', 'user.deactivate')
      .execute();
    expect(audited).toEqual([
      { actor: 'cli:tester', action: 'user.deactivate', detail: { sessionsEnded: 1 } },
    ]);
  });
});

describe('demo users', () => {
  it('names one user per role and cw1… per town, ordered by town name', () => {
    expect(demoUsers(['西河镇', '城关镇', '东坝镇']).map((u) => [u.username, u.role, u.town])).toEqual([
      ['admin', 'ADMIN', null],
      ['data', 'DATA_ADMIN', null],
      ['supervisor', 'SUPERVISOR', null],
      ['ops', 'OPS', null],
      ['cw1', 'CASEWORKER', '城关镇'],
      ['cw2', 'CASEWORKER', '东坝镇'],
      ['cw3', 'CASEWORKER', '西河镇'],
    ]);
  });

  it('creates them with the demo password once; a second run changes nothing', async () => {
    const created = await ensureDemoUsers(db, OP);
    expect(created.map((u) => u.username)).toEqual([
      'admin',
      'data',
      'supervisor',
      'ops',
      'cw1',
      'cw2',
      'cw3',
    ]);
    expect(created.find((u) => u.username === 'cw1')!.displayName).toContain('城关镇');
    const before = await db
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .orderBy('username')
      .execute();
    expect(await ensureDemoUsers(db, OP)).toEqual([]);
    expect(
      await db.selectFrom('users').select(['username', 'password_hash']).orderBy('username').execute(),
    ).toEqual(before);
    const { user } = await signIn(db, { username: 'cw2', password: DEMO_PASSWORD });
    expect(user).toMatchObject({ role: 'CASEWORKER', town: '东坝镇' });
    const listed = await listUsers(db, { role: 'CASEWORKER' });
    expect(listed.map((u) => [u.username, u.hasPassword, u.hasToken])).toEqual([
      ['cw1', true, false],
      ['cw2', true, false],
      ['cw3', true, false],
    ]);
  });
});
