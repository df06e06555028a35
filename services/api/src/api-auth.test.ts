// Authentication (sessions and bearer tokens), roles, users, the audit log, the OpenAPI document,
// and the operator endpoints (health, metrics, queues), plus the console page.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '@ew/db';
import { createUser, deactivateUser, hashToken, resetPassword, rotateToken } from '@ew/accounts';
import { bearer, startApiTest, TEST_OPERATOR, TOWN_A, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
beforeAll(async () => {
  // the per-address limit has its own test (and app); here every sign-in comes from 127.0.0.1
  api = await startApiTest({ loginRateLimit: { max: 10_000, timeWindowMs: 60_000 } });
});
afterAll(async () => {
  await api?.close();
});

describe('authentication', () => {
  it('refuses a request without a token, with a malformed one, or an unknown one (401)', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer('ew_not-a-real-token-0000000000')]) {
      const res = await api.app.inject({ method: 'GET', url: '/tasks', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('refuses a role that may not (403), before reading an upload body', async () => {
    const cases: Array<[string, string, keyof ApiTest['tokens']]> = [
      ['POST', '/imports', 'cwA'],
      ['POST', '/imports', 'supervisor'],
      ['GET', '/imports', 'cwA'],
      ['GET', '/reviews', 'ops'],
      ['POST', '/reviews/1/decision', 'supervisor'],
      ['GET', '/tasks', 'admin'],
      ['GET', '/tasks', 'ops'],
      ['POST', '/tasks/1/claim', 'ops'],
      ['GET', '/metrics', 'admin'],
      ['GET', '/queues', 'cwA'],
    ];
    for (const [method, url, who] of cases) {
      const res = await api.app.inject({
        method: method as 'GET' | 'POST',
        url,
        headers: { ...bearer(api.tokens[who]), 'content-type': 'application/json' },
        payload: method === 'POST' ? '{}' : undefined,
      });
      expect({ method, url, who, status: res.statusCode }).toEqual({ method, url, who, status: 403 });
      expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });

  it('tells the console who the caller is', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(api.tokens.cwA) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: expect.any(Number),
      username: 'cw-a',
      displayName: 'cw-a',
      role: 'CASEWORKER',
      townId: api.towns.A,
      town: '城关镇',
      csrfToken: null,
    });
  });

  it('stops accepting a token when the user is deactivated or the token rotated', async () => {
    const db = api.t.ctx.database.db;
    const { token } = await createUser(
      db,
      { username: 'temp1', displayName: '临时', role: 'SUPERVISOR' },
      TEST_OPERATOR,
    );
    const ok = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(token!) });
    expect(ok.statusCode).toBe(200);
    const rotated = await rotateToken(db, 'temp1', TEST_OPERATOR);
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(token!) })).statusCode).toBe(
      401,
    );
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(rotated) })).statusCode).toBe(
      200,
    );
    await deactivateUser(db, 'temp1', TEST_OPERATOR);
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(rotated) })).statusCode).toBe(
      401,
    );
  });
});

describe('createUser', () => {
  it('stores only the sha256 of the token, and audits the creation', async () => {
    const db = api.t.ctx.database.db;
    const created = await createUser(
      db,
      { username: 'cw-x', displayName: '王五', role: 'CASEWORKER', townName: '西河镇' },
      { actor: 'cli:alice', actorUserId: null },
    );
    expect(created.token).toMatch(/^ew_[A-Za-z0-9_-]{43}$/);
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', created.userId)
      .executeTakeFirstOrThrow();
    expect(row.token_sha256).toBe(hashToken(created.token!));
    expect(row.password_hash).toBeNull();
    expect(row.town_id).toBe(api.towns.B);
    const audited = await db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', String(created.userId))
      .execute();
    expect(audited).toEqual([{ action: 'user.create', actor: 'cli:alice' }]);
  });

  it('refuses a caseworker without a town, an unknown town and a taken username', async () => {
    const db = api.t.ctx.database.db;
    await expect(
      createUser(db, { username: 'c1', displayName: 'x', role: 'CASEWORKER' }, TEST_OPERATOR),
    ).rejects.toMatchObject({
      code: 'TOWN_REQUIRED',
    });
    await expect(
      createUser(
        db,
        { username: 'c1', displayName: 'x', role: 'CASEWORKER', townName: '不存在镇' },
        TEST_OPERATOR,
      ),
    ).rejects.toMatchObject({ code: 'TOWN_UNKNOWN' });
    await expect(
      createUser(db, { username: 'admin1', displayName: 'x', role: 'ADMIN' }, TEST_OPERATOR),
    ).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    await expect(
      createUser(db, { username: 'bad name', displayName: 'x', role: 'ADMIN' }, TEST_OPERATOR),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});

const PASSWORD = 'correct horse battery';

/** A user who signs in with PASSWORD (no token). */
async function person(username: string, role: UserRole, townName?: string): Promise<number> {
  const created = await createUser(
    api.t.ctx.database.db,
    { username, displayName: `${username} 名`, role, password: PASSWORD, ...(townName ? { townName } : {}) },
    TEST_OPERATOR,
  );
  expect(created.token).toBeNull();
  return created.userId;
}

function login(username: string, password = PASSWORD, app = api.app, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/auth/login', payload: { username, password }, remoteAddress });
}

interface Session {
  cookie: { cookie: string };
  csrf: string;
}

async function signedIn(username: string): Promise<Session> {
  const res = await login(username);
  expect(res.statusCode).toBe(200);
  const value = res.cookies.find((c) => c.name === 'ew_session')!.value;
  return {
    cookie: { cookie: `ew_session=${value}` },
    csrf: res.json<{ user: { csrfToken: string } }>().user.csrfToken,
  };
}

describe('sign-in with a password', () => {
  it('answers Me and sets an httpOnly, SameSite=Strict session cookie', async () => {
    const id = await person('anna', 'CASEWORKER', TOWN_A);
    const res = await login('anna');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ user: Record<string, unknown> }>();
    expect(body.user).toEqual({
      id,
      username: 'anna',
      displayName: 'anna 名',
      role: 'CASEWORKER',
      townId: api.towns.A,
      town: TOWN_A,
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    const cookie = res.cookies.find((c) => c.name === 'ew_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.secure).toBeUndefined();
    expect(res.headers['set-cookie']).not.toMatch(/Expires|Max-Age/i);

    // the cookie signs the following requests in; the table holds only the token's sha256
    const me = await api.app.inject({
      method: 'GET',
      url: '/me',
      headers: { cookie: `ew_session=${cookie.value}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body.user);
    const db = api.t.ctx.database.db;
    const stored = await db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'expires_at', 'created_at'])
      .where('user_id', '=', id)
      .execute();
    expect(stored).toEqual([
      {
        id: hashToken(cookie.value),
        user_id: id,
        expires_at: expect.any(Date),
        created_at: expect.any(Date),
      },
    ]);
    expect(stored[0]!.expires_at.getTime() - stored[0]!.created_at.getTime()).toBe(24 * 3600_000);
    const user = await db
      .selectFrom('users')
      .select('last_login_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(user.last_login_at).toBeInstanceOf(Date);
  });

  it('marks the cookie Secure when COOKIE_SECURE is set', async () => {
    await person('bert', 'OPS');
    const secure = await api.another({
      cookieSecure: true,
      loginRateLimit: { max: 100, timeWindowMs: 60_000 },
    });
    const res = await login('bert', PASSWORD, secure);
    expect(res.statusCode).toBe(200);
    expect(res.cookies.find((c) => c.name === 'ew_session')).toMatchObject({ secure: true, httpOnly: true });
  });

  it('fails the same way for a wrong password, an unknown user and a deactivated one', async () => {
    await person('carl', 'SUPERVISOR');
    await person('dora', 'SUPERVISOR');
    const live = await signedIn('dora');
    await deactivateUser(api.t.ctx.database.db, 'dora', TEST_OPERATOR);
    const answers = [
      await login('carl', 'not the password'),
      await login('nobody-here', PASSWORD),
      await login('dora', PASSWORD),
      await login('admin1', PASSWORD), // a token-only user has no password to sign in with
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'LOGIN_FAILED', message: 'wrong username or password' } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // deactivation ended the session that was open
    const me = await api.app.inject({ method: 'GET', url: '/me', headers: live.cookie });
    expect(me.statusCode).toBe(401);
    const failures = await api.t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'subject_id', 'detail'])
      .where('action', '=', 'auth.login_failed')
      .orderBy('id')
      .execute();
    expect(failures.slice(-4)).toEqual([
      {
        actor: 'carl',
        subject_id: expect.any(String),
        detail: { username: 'carl', reason: 'wrong_password' },
      },
      // what was typed as an unknown username is not kept in the log
      { actor: '(unknown user)', subject_id: null, detail: { reason: 'unknown_user' } },
      { actor: 'dora', subject_id: expect.any(String), detail: { username: 'dora', reason: 'inactive' } },
      {
        actor: 'admin1',
        subject_id: expect.any(String),
        detail: { username: 'admin1', reason: 'no_password' },
      },
    ]);
  });

  it('refuses a malformed login body (400)', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('CSRF', () => {
  it('needs x-csrf-token on a state-changing request with the cookie, never on a GET or with a bearer token', async () => {
    await person('erik', 'DATA_ADMIN');
    const s = await signedIn('erik');
    const decide = (headers: Record<string, string>) =>
      api.app.inject({ method: 'POST', url: '/reviews/999999/decision', headers, payload: { reject: true } });
    for (const headers of [
      s.cookie,
      { ...s.cookie, 'x-csrf-token': 'wrong' },
      { ...s.cookie, 'x-csrf-token': `${s.csrf}x` },
    ]) {
      const res = await decide(headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    }
    // with the token the request gets through to the handler (no such review)
    const ok = await decide({ ...s.cookie, 'x-csrf-token': s.csrf });
    expect(ok.statusCode).toBe(404);
    expect(ok.json()).toMatchObject({ error: { code: 'REVIEW_NOT_FOUND' } });
    expect((await api.app.inject({ method: 'GET', url: '/reviews', headers: s.cookie })).statusCode).toBe(
      200,
    );
    const viaToken = await decide(bearer(api.tokens.admin));
    expect(viaToken.json()).toMatchObject({ error: { code: 'REVIEW_NOT_FOUND' } });
  });

  it("checks the session before the role, and another session's token does not do", async () => {
    await person('fred', 'SUPERVISOR');
    await person('gina', 'SUPERVISOR');
    const fred = await signedIn('fred');
    const gina = await signedIn('gina');
    const res = await api.app.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...fred.cookie, 'x-csrf-token': gina.csrf },
    });
    expect(res.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    const forbidden = await api.app.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...fred.cookie, 'x-csrf-token': fred.csrf },
    });
    expect(forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});

describe('sessions', () => {
  it('ends with logout: 204, cookie cleared, the session gone (logout needs the CSRF token)', async () => {
    await person('hans', 'OPS');
    const s = await signedIn('hans');
    const noCsrf = await api.app.inject({ method: 'POST', url: '/auth/logout', headers: s.cookie });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    const res = await api.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === 'ew_session')!;
    expect(cleared.value).toBe('');
    expect(cleared.expires!.getTime()).toBeLessThan(Date.now());
    const me = await api.app.inject({ method: 'GET', url: '/me', headers: s.cookie });
    expect(me.statusCode).toBe(401);
    expect(me.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    // again, with the dead cookie: nothing to end, still 204
    expect(
      (await api.app.inject({ method: 'POST', url: '/auth/logout', headers: s.cookie })).statusCode,
    ).toBe(204);
    const logouts = await api.t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('action', '=', 'auth.logout')
      .execute();
    expect(logouts).toEqual([{ actor: 'hans', action: 'auth.logout' }]);
  });

  it('expires after 8 hours idle and 24 hours after sign-in', async () => {
    const id = await person('ines', 'OPS');
    const db = api.t.ctx.database.db;
    const idle = await signedIn('ines');
    const me = (s: Session) => api.app.inject({ method: 'GET', url: '/me', headers: s.cookie });
    await db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now() - interval '7 hours 59 minutes'` })
      .where('user_id', '=', id)
      .execute();
    expect((await me(idle)).statusCode).toBe(200); // and it was seen just now
    await db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now() - interval '8 hours 1 minute'` })
      .where('user_id', '=', id)
      .execute();
    expect((await me(idle)).statusCode).toBe(401);

    const absolute = await signedIn('ines');
    await db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', id)
      .execute();
    const res = await me(absolute);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('ends every session of a user whose password is reset', async () => {
    await person('jack', 'OPS');
    const s = await signedIn('jack');
    await resetPassword(api.t.ctx.database.db, 'jack', TEST_OPERATOR, 'a brand new password');
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: s.cookie })).statusCode).toBe(401);
    expect((await login('jack')).statusCode).toBe(401);
    expect((await login('jack', 'a brand new password')).statusCode).toBe(200);
  });
});

describe('sign-in throttling', () => {
  it('refuses a username after 5 failures in 15 minutes, even with the right password', async () => {
    await person('kim', 'OPS');
    await person('lena', 'OPS');
    for (let i = 0; i < 5; i++) {
      // from different addresses: the limit is the username's
      expect((await login('kim', 'wrong password', api.app, `10.0.0.${i + 1}`)).statusCode).toBe(401);
    }
    const throttled = await login('kim');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ error: { code: 'LOGIN_THROTTLED' } });
    expect((await login('lena')).statusCode).toBe(200); // another username is not affected
    // the failures age out of the window
    await api.t.ctx.database.db
      .updateTable('login_failures')
      .set({ at: sql<Date>`at - interval '15 minutes'` })
      .where('username', '=', 'kim')
      .execute();
    expect((await login('kim')).statusCode).toBe(200);
  });

  it('limits sign-in requests per client address', async () => {
    await person('mona', 'OPS');
    const limited = await api.another({ loginRateLimit: { max: 3, timeWindowMs: 60_000 } });
    for (let i = 0; i < 3; i++)
      expect((await login('mona', PASSWORD, limited, '10.9.9.9')).statusCode).toBe(200);
    const res = await login('mona', PASSWORD, limited, '10.9.9.9');
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ error: { code: 'LOGIN_THROTTLED' } });
    expect((await login('mona', PASSWORD, limited, '10.9.9.10')).statusCode).toBe(200);
  });
});

describe('towns and users', () => {
  it('lists the towns to anyone signed in', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/towns', headers: bearer(api.tokens.cwB) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      towns: [
        { id: api.towns.A, name: TOWN_A },
        { id: api.towns.B, name: '西河镇' },
      ],
    });
    expect((await api.app.inject({ method: 'GET', url: '/towns' })).statusCode).toBe(401);
  });

  it('lists users by role and town to ADMIN and SUPERVISOR', async () => {
    const get = (url: string, who: keyof ApiTest['tokens']) =>
      api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
    const res = await get(`/users?role=CASEWORKER&town=${api.towns.A}`, 'supervisor');
    expect(res.statusCode).toBe(200);
    const users = res.json<{ users: Array<{ username: string; town: string; active: boolean }> }>().users;
    expect(users.map((u) => u.username)).toEqual(expect.arrayContaining(['cw-a', 'cw-a2']));
    expect(users.every((u) => u.town === TOWN_A)).toBe(true);
    expect(users[0]).toMatchObject({
      id: expect.any(Number),
      displayName: expect.any(String),
      role: 'CASEWORKER',
      active: true,
    });
    const byName = await get(`/users?town=${encodeURIComponent('西河镇')}&role=CASEWORKER`, 'sysadmin');
    expect(byName.json<{ users: Array<{ username: string }> }>().users.map((u) => u.username)).toContain(
      'cw-b',
    );
    expect((await get('/users', 'cwA')).statusCode).toBe(403);
    expect((await get('/users?role=KING', 'sysadmin')).statusCode).toBe(400);
  });
});

describe('audit log', () => {
  type Page = {
    entries: Array<{
      id: number;
      at: string;
      actor: string;
      action: string;
      subjectType: string;
      subjectId: string | null;
      detail: unknown;
    }>;
    nextCursor: string | null;
  };
  const audit = async (query: string) => {
    const res = await api.app.inject({
      method: 'GET',
      url: `/audit${query}`,
      headers: bearer(api.tokens.sysadmin),
    });
    expect(res.statusCode).toBe(200);
    return res.json<Page>();
  };

  it('is for ADMIN only', async () => {
    for (const who of ['supervisor', 'admin', 'ops'] as const) {
      const res = await api.app.inject({ method: 'GET', url: '/audit', headers: bearer(api.tokens[who]) });
      expect(res.statusCode).toBe(403);
    }
  });

  it('filters by actor, action (or family), subject and time, newest first', async () => {
    const id = await person('nora', 'SUPERVISOR');
    await signedIn('nora');
    await signedIn('nora');
    const logins = await audit('?actor=nora&action=auth.login');
    expect(logins.entries).toHaveLength(2);
    expect(logins.entries[0]).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      actor: 'nora',
      actorUserId: id,
      action: 'auth.login',
      subjectType: 'user',
      subjectId: String(id),
      detail: {},
    });
    expect(logins.entries[0]!.id).toBeGreaterThan(logins.entries[1]!.id);
    expect(logins.nextCursor).toBeNull();

    const subject = await audit(`?subjectType=user&subjectId=${id}`);
    expect(subject.entries.map((e) => e.action)).toEqual(['auth.login', 'auth.login', 'user.create']);
    const family = await audit(`?subjectType=user&subjectId=${id}&action=user.*`);
    expect(family.entries.map((e) => e.action)).toEqual(['user.create']);

    const first = new Date(logins.entries[1]!.at);
    const from = await audit(`?actor=nora&from=${encodeURIComponent(first.toISOString())}`);
    expect(from.entries).toHaveLength(2);
    const to = await audit(`?actor=nora&to=${encodeURIComponent(first.toISOString())}`);
    expect(to.entries).toHaveLength(0);
    const future = await audit(
      `?actor=nora&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(future.entries).toHaveLength(0);
  });

  it('pages with a keyset cursor', async () => {
    const all = await audit('?limit=500');
    expect(all.entries.length).toBeGreaterThan(5);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await audit(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null && seen.length < all.entries.length + 2);
    expect(seen).toEqual(all.entries.map((e) => e.id).slice(0, seen.length));
    expect(seen.length).toBeGreaterThanOrEqual(all.entries.length);
  });

  it('refuses an unknown action or a bad time (400)', async () => {
    for (const query of ['?action=task.explode', '?action=nope.*', '?from=yesterday', '?cursor=abc']) {
      const res = await api.app.inject({
        method: 'GET',
        url: `/audit${query}`,
        headers: bearer(api.tokens.sysadmin),
      });
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
  });
});

describe('OpenAPI', () => {
  it('serves /openapi.json generated from the routes’ zod schemas', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    interface Operation {
      parameters?: Array<{ name: string; in: string; required?: boolean }>;
      requestBody?: { content: Record<string, { schema: unknown }> };
    }
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, Operation>> }>();
    expect(doc.openapi).toBe('3.0.3');
    for (const path of [
      '/auth/login',
      '/auth/logout',
      '/me',
      '/towns',
      '/users',
      '/audit',
      '/imports',
      '/imports/{id}',
      '/reviews',
      '/reviews/{id}/decision',
      '/health',
      '/metrics',
      '/queues',
      '/tasks',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const login = doc.paths['/auth/login']!.post;
    expect(login!.requestBody!.content['application/json']!.schema).toMatchObject({
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' } },
    });
    const auditParams = doc.paths['/audit']!.get!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(auditParams).toEqual(
      expect.arrayContaining(['query:actor', 'query:action', 'query:cursor', 'query:limit']),
    );
    const decision = doc.paths['/reviews/{id}/decision']!.post;
    expect(decision!.parameters).toEqual([
      expect.objectContaining({ in: 'path', name: 'id', required: true }),
    ]);
    expect(doc.paths['/imports']!.post!.requestBody!.content).toHaveProperty(['multipart/form-data']);
  });

  it('documents without validating: zod stays the validator (its error shape, its coercions)', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/reviews?limit=0',
      headers: bearer(api.tokens.admin),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', issues: [{ path: ['query', 'limit'] }] },
    });
  });
});

describe('operations', () => {
  it('reports health of Postgres and Redis without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('answers 503 naming Redis when Redis does not answer', async () => {
    const broken = await api.another({ redisUrl: 'redis://127.0.0.1:1', redisReadyTimeoutMs: 50 });
    const res = await broken.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unavailable',
      failed: ['redis'],
      checks: { postgres: 'ok', redis: 'failed' },
    });
    const queues = await broken.inject({ method: 'GET', url: '/queues', headers: bearer(api.tokens.ops) });
    expect(queues.statusCode).toBe(503);
    expect(queues.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });

  it('serves metrics to OPS: default metrics and the gauges read at scrape time', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const db = api.t.ctx.database.db;
    await db
      .insertInto('imports')
      .values({
        feed: 'hr',
        period: '2023-03-31',
        file_sha256: 'a'.repeat(64),
        file_name: 'hr.csv',
        stored_path: '/nonexistent',
        status: 'FAILED',
      })
      .execute();
    const hh = await db
      .insertInto('households')
      .values({
        household_no: 'M1',
        town_id: api.towns.A,
        area_type: 'URBAN',
        assistance_status: 'NONE',
        village: null,
        address: null,
        monthly_income: null,
        refused_on: null,
        snapshot_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('tasks')
      .values({
        household_id: hh.id,
        town_id: api.towns.A,
        status: 'NEW',
        severity: 'high',
        due_at: new Date(Date.now() - 86_400_000),
      })
      .execute();

    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: bearer(api.tokens.ops) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('ew_imports{status="FAILED"} 1');
    expect(text).toContain('ew_tasks_open{town="城关镇",severity="high"} 1');
    expect(text).toContain('ew_tasks_overdue{town="城关镇"} 1');
    expect(text).toMatch(/^ew_outbox_pending \d+$/m);
    expect(text).toMatch(/^ew_outbox_oldest_pending_seconds [\d.e+-]+$/m);
    expect(text).toContain('ew_queue_stats_up 1');
    expect(text).toContain('ew_queue_jobs{queue="import",state="waiting"} 0');
    expect(text).toContain('ew_queue_jobs{queue="evaluate",state="failed"} 0');
  });

  it('gives OPS the queue counts as JSON', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/queues', headers: bearer(api.tokens.ops) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      queues: { import: { waiting: 0, active: 0, delayed: 0, failed: 0 } },
      outboxPending: expect.any(Number),
    });
  });
});

describe('unknown routes', () => {
  it('answers an unknown route with the JSON error shape', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'not found' } });
  });
});
