// T0021 keeps tasks.signals_withdrawn: counted once for the signals withdrawn before it, then kept
// by its trigger on signals — a withdrawal counts, a signal live again uncounts, an update that
// leaves superseded_at as it was changes nothing, and a statement touching many signals of many
// tasks counts each task once per signal.
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { emptyDatabase } from './migration.fixture.ts';
import { migrateToLatest, migrateUpTo } from './migrate.ts';

const scratch = emptyDatabase('withdrawn');

/** A household with a task, one alert on it and `signals` signals in that alert; the signal ids. */
async function taskWithSignals(
  householdNo: string,
  signals: number,
): Promise<{ taskId: number; signalIds: number[] }> {
  const db = scratch.handle().db;
  const { rows } = await sql<{ task_id: number; signal_ids: number[] }>`
    with h as (
      insert into households (household_no, town_id, area_type, assistance_status)
      select ${householdNo}, id, 'URBAN', 'NONE' from towns limit 1
      returning id, town_id
    ), t as (
      insert into tasks (household_id, town_id, status, severity, due_at)
      select id, town_id, 'NEW', 'high', now() + interval '3 days' from h
      returning id, household_id
    ), a as (
      insert into alerts (household_id, task_id, severity) select household_id, id, 'high' from t
      returning id, household_id, task_id
    ), s as (
      insert into signals (feed, household_id, code, source_period, severity)
      select 'hr', a.household_id, 'HR_UNEMPLOYED', make_date(2023, n, 1), 'high'
        from a, generate_series(1, ${signals}::int) n
      returning id
    ), l as (
      insert into alert_signals (signal_id, alert_id) select s.id, a.id from s, a returning signal_id
    )
    select (select task_id from a) as task_id, array(select signal_id from l order by 1) as signal_ids`.execute(
    db,
  );
  return { taskId: rows[0]!.task_id, signalIds: rows[0]!.signal_ids };
}

async function counts(...taskIds: number[]): Promise<number[]> {
  const rows = await scratch
    .handle()
    .db.selectFrom('tasks')
    .select(['id', 'signals_withdrawn'])
    .where('id', 'in', taskIds)
    .execute();
  return taskIds.map((id) => rows.find((r) => r.id === id)!.signals_withdrawn);
}

const withdraw = (ids: number[]) =>
  sql`update signals set superseded_at = now(), superseded_reason = 'test' where id = any(${ids}::bigint[])`;

describe('T0021 tasks.signals_withdrawn', () => {
  it('counts the signals withdrawn before it, then follows every change of superseded_at', async () => {
    const db = scratch.handle().db;
    await migrateUpTo(db, '2026-12-04T0003-outbox-finished');
    await sql`insert into towns (name) values ('城关镇')`.execute(db);
    const before = await taskWithSignals('H1', 3);
    await withdraw(before.signalIds.slice(0, 2)).execute(db);

    await migrateToLatest(db);
    const a = await taskWithSignals('H2', 2);
    const b = await taskWithSignals('H3', 1);
    expect(await counts(before.taskId, a.taskId, b.taskId)).toEqual([2, 0, 0]);

    // one statement over signals of three tasks, one of them already withdrawn (not counted again)
    await withdraw([before.signalIds[0]!, before.signalIds[2]!, ...a.signalIds, ...b.signalIds]).execute(db);
    expect(await counts(before.taskId, a.taskId, b.taskId)).toEqual([3, 2, 1]);

    // live again (a corrected file's evaluation takes a signal back)
    await sql`update signals set superseded_at = null, superseded_reason = null where id = ${a.signalIds[0]!}`.execute(
      db,
    );
    // an update that leaves superseded_at as it was
    await sql`update signals set evidence = '{"x": 1}' where id = any(${before.signalIds}::bigint[])`.execute(
      db,
    );
    expect(await counts(before.taskId, a.taskId, b.taskId)).toEqual([3, 1, 1]);

    // the count equals the definition it replaces
    const { rows } = await sql<{ id: number; n: number }>`
      select t.id, (select count(*) from alerts x join alert_signals l on l.alert_id = x.id
                      join signals s on s.id = l.signal_id
                     where x.task_id = t.id and s.superseded_at is not null)::int as n
        from tasks t order by t.id`.execute(db);
    expect(rows.map((r) => r.n)).toEqual(await counts(before.taskId, a.taskId, b.taskId));
  });
});
