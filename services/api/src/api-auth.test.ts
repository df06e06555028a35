// Authentication, roles, users, and the operator endpoints (health, metrics, queues), plus the
// console page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '@ew/accounts';
import { bearer, startApiTest, type ApiTest } from './api.fixture.ts';
import { createUser, deactivateUser, rotateToken } from '@ew/accounts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
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
      ['POST', '/tasks/1/claim', 'supervisor'],
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
    expect(res.json()).toEqual({ username: 'cw-a', displayName: 'cw-a', role: 'CASEWORKER', town: '城关镇' });
  });

  it('stops accepting a token when the user is deactivated or the token rotated', async () => {
    const db = api.t.ctx.database.db;
    const { token } = await createUser(db, { username: 'temp1', displayName: '临时', role: 'SUPERVISOR' });
    const ok = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
    expect(ok.statusCode).toBe(200);
    const rotated = await rotateToken(db, 'temp1', 'test');
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode).toBe(
      401,
    );
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(rotated) })).statusCode).toBe(
      200,
    );
    await deactivateUser(db, 'temp1', 'test');
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: bearer(rotated) })).statusCode).toBe(
      401,
    );
  });
});

describe('createUser', () => {
  it('stores only the sha256 of the token, and audits the creation', async () => {
    const db = api.t.ctx.database.db;
    const created = await createUser(db, {
      username: 'cw-x',
      displayName: '王五',
      role: 'CASEWORKER',
      townName: '西河镇',
    });
    expect(created.token).toMatch(/^ew_[A-Za-z0-9_-]{43}$/);
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', created.userId)
      .executeTakeFirstOrThrow();
    expect(row.token_sha256).toBe(hashToken(created.token));
    expect(row.town_id).toBe(api.towns.B);
    const audited = await db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', String(created.userId))
      .execute();
    expect(audited).toEqual([{ action: 'user.create', actor: 'cli' }]);
  });

  it('refuses a caseworker without a town, an unknown town and a taken username', async () => {
    const db = api.t.ctx.database.db;
    await expect(
      createUser(db, { username: 'c1', displayName: 'x', role: 'CASEWORKER' }),
    ).rejects.toMatchObject({
      code: 'TOWN_REQUIRED',
    });
    await expect(
      createUser(db, { username: 'c1', displayName: 'x', role: 'CASEWORKER', townName: '不存在镇' }),
    ).rejects.toMatchObject({ code: 'TOWN_UNKNOWN' });
    await expect(
      createUser(db, { username: 'admin1', displayName: 'x', role: 'ADMIN' }),
    ).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    await expect(
      createUser(db, { username: 'bad name', displayName: 'x', role: 'ADMIN' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
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
