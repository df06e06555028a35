// Each stage's tables are ANALYZEd when the stage finishes an import (pg_stat_user_tables'
// last_analyze moves), and the purge of superseded deliveries' staged rows. Real Postgres and
// Redis, through the queues.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { waitForImports } from '../../../../test/e2e/helpers.ts';
import { STAGE_TABLES } from '../pipeline/analyze.ts';
import { deliverHr, hrFile, usePipeline } from './poison-input.fixture.ts';
import { purgeSupersededStagedRows } from './purge-superseded.ts';

const t = usePipeline();

const deliver = (name: string, content: string, replace = false) =>
  deliverHr(t.app, name, content, { replace });

async function lastAnalyze(): Promise<Record<string, number>> {
  const { rows } = await sql<{ relname: string; at: Date | null }>`
    select relname, last_analyze as at from pg_stat_user_tables`.execute(t.app.ctx.database.db);
  return Object.fromEntries(rows.map((r) => [r.relname, r.at?.getTime() ?? 0]));
}

const stagedRows = async (importId: number) =>
  (
    await t.app.ctx.database.db
      .selectFrom('staged_rows')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('import_id', '=', importId)
      .executeTakeFirstOrThrow()
  ).n;

describe('statistics after bulk writes', () => {
  it('every stage analyzes the tables it wrote once it finishes an import', async () => {
    const before = await lastAnalyze();
    await new Promise((r) => setTimeout(r, 10)); // timestamps must be able to move
    const importId = await deliver('hr-1.csv', hrFile(200));
    expect(await waitForImports(t.app.ctx, t.runtime, [importId], 60_000)).toEqual({
      [importId]: 'EVALUATED',
    });
    const after = await lastAnalyze();
    for (const table of Object.values(STAGE_TABLES).flat()) {
      expect({ table, moved: (after[table] ?? 0) > (before[table] ?? 0) }).toEqual({ table, moved: true });
    }
  });
});

describe('purge-superseded', () => {
  it("deletes a replaced delivery's staged rows only, audited; a dry run only counts", async () => {
    const first = (
      await t.app.ctx.database.db
        .selectFrom('imports')
        .select('id')
        .where('file_name', '=', 'hr-1.csv')
        .executeTakeFirstOrThrow()
    ).id;
    const corrected = await deliver('hr-2.csv', hrFile(150), true);
    expect(await waitForImports(t.app.ctx, t.runtime, [first, corrected], 60_000)).toEqual({
      [first]: 'REPLACED',
      [corrected]: 'EVALUATED',
    });
    expect(await stagedRows(first)).toBe(200);

    const dry = await purgeSupersededStagedRows(t.app.ctx.database.db, { dryRun: true, actor: 'test' });
    expect(dry).toEqual([{ importId: first, feed: 'hr', period: '2023-03-31', rows: 200 }]);
    expect(await stagedRows(first)).toBe(200);

    const purged = await purgeSupersededStagedRows(t.app.ctx.database.db, { actor: 'test' });
    expect(purged).toEqual(dry);
    expect([await stagedRows(first), await stagedRows(corrected)]).toEqual([0, 150]);
    const audit = await t.app.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'subject_id', 'detail'])
      .where('action', '=', 'STAGED_ROWS_PURGED')
      .execute();
    expect(audit).toEqual([
      { actor: 'test', subject_id: String(first), detail: { rows: 200, reason: 'REPLACED' } },
    ]);
    // nothing left to purge
    expect(await purgeSupersededStagedRows(t.app.ctx.database.db, { actor: 'test' })).toEqual([]);
  });
});
