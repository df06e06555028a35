// The API's probes and metrics against real Postgres and Redis: /livez, /readyz (migrations,
// Redis policy), and the gauges from @ew/observability.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApiTest, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
});
afterAll(async () => {
  await api?.close();
});

describe('probes', () => {
  it('is live without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/livez' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready: Postgres, Redis, its eviction policy and the migrations', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', redisPolicy: 'noeviction', migrations: 'ok' },
    });
  });

  it('is not ready while a migration is pending, and not when Redis is away', async () => {
    const db = api.t.ctx.database.db;
    const { rows } = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc limit 1`.execute(db);
    await sql`delete from kysely_migration where name = ${rows[0]!.name}`.execute(db);
    try {
      const res = await api.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unavailable', failed: ['migrations'] });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${rows[0]!.name}, ${new Date().toISOString()})`.execute(
        db,
      );
    }
    const broken = await api.another({ redisUrl: 'redis://127.0.0.1:1', redisReadyTimeoutMs: 50 });
    const res = await broken.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      failed: ['redis'],
      checks: { postgres: 'ok', redis: 'failed', redisPolicy: 'unknown', migrations: 'ok' },
    });
  });
});

describe('metrics', () => {
  it('reports rows per feed and outcome, matches per feed and method', async () => {
    const db = api.t.ctx.database.db;
    const imp = await db
      .insertInto('imports')
      .values({
        feed: 'medical',
        period: '2023-03-31',
        file_sha256: 'b'.repeat(64),
        file_name: 'medical.csv',
        stored_path: '/nonexistent',
        status: 'EVALUATED',
        rows_read: 10,
        rows_accepted: 8,
        rows_rejected: 2,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('matches')
      .values([
        { import_id: imp.id, row_no: 2, person_id: null, method: 'UNMATCHED', score: null, evidence: '{}' },
        { import_id: imp.id, row_no: 3, person_id: null, method: 'UNMATCHED', score: null, evidence: '{}' },
      ])
      .execute();
    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: bearer(api.tokens.ops) });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    for (const line of [
      'ew_import_rows{feed="medical",outcome="read"} 10',
      'ew_import_rows{feed="medical",outcome="accepted"} 8',
      'ew_import_rows{feed="medical",outcome="rejected"} 2',
      'ew_rows_matched{feed="medical",method="UNMATCHED"} 2',
      '# TYPE ew_alerts_open gauge',
      '# TYPE ew_signals gauge',
      '# TYPE ew_tasks_overdue gauge',
    ]) {
      expect(text).toContain(line);
    }
    // the worker's own metrics are not the API's
    expect(text).not.toContain('ew_job_duration_seconds');
  });
});
