// Signals → alerts → tasks: one alert and task per household, PRIOR_REFUSED and compound risk,
// attaching to an open task, suppression after a close (and a severity rise breaking it),
// idempotent reruns.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import {
  addDelivery,
  addHousehold,
  evaluateDelivery,
  tableCounts,
  testContext,
  type HouseholdSpec,
  type TestHousehold,
} from '../rules/rules.fixture.ts';
import { evaluateChunk } from '../rules/evaluate-chunk.ts';
import { ALERT_BUCKETS, raiseAlerts } from './raise-alerts.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb?.drop();
});

const dropout = {
  school: '一中',
  stage: 'JUNIOR',
  status: 'DROPPED_OUT',
  annual_fees: null,
  aid_received: null,
};
const expense = { school: '一中', stage: 'SENIOR', status: 'ENROLLED', annual_fees: 9000, aid_received: 0 }; // > 30% of 12000
const stopped = (date = '2023-12-01') => ({ event: 'STOPPED', event_date: date, monthly_income: null });
const serious = { out_of_pocket: 0, serious_illness: true, severe_disability: false };

/** One delivery of `feed` for `period` with one row per [household, payload, member index]. */
async function deliver(
  feed: string,
  period: string,
  rows: Array<[TestHousehold, Record<string, unknown>, number?]>,
  previousImportId?: number,
) {
  const ctx = testContext(tdb);
  const { importId } = await addDelivery(tdb.db, {
    feed,
    period,
    rows: rows.map(([h, payload, member]) => ({ personId: h.personIds[member ?? 0]!, payload })),
    ...(previousImportId === undefined ? {} : { previousImportId }),
  });
  const { raised } = await evaluateDelivery(ctx, importId);
  return { importId, raised };
}

const household = (spec: HouseholdSpec = {}) => addHousehold(tdb.db, { income: 1000, ...spec });

async function alertsOf(householdId: number) {
  return tdb.db
    .selectFrom('alerts')
    .select(['id', 'severity', 'status', 'task_id', 'severity_basis'])
    .where('household_id', '=', householdId)
    .orderBy('id')
    .execute();
}

async function taskOf(householdId: number) {
  return tdb.db
    .selectFrom('tasks')
    .select(['id', 'status', 'severity', 'town_id', 'created_at', 'due_at'])
    .where('household_id', '=', householdId)
    .where('status', '<>', 'CLOSED')
    .executeTakeFirst();
}

/** Closes a household's open task `daysAgo` days ago (its alert stays OPEN: raising closes it). */
async function closeTask(householdId: number, daysAgo: number) {
  await sql`
    update tasks set status = 'CLOSED', outcome = 'NOT_ELIGIBLE',
           closed_at = now() - make_interval(days => ${daysAgo}::int)
     where household_id = ${householdId} and status <> 'CLOSED'`.execute(tdb.db);
}

function daysBetween(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / 86_400_000);
}

describe('raiseAlerts', () => {
  it('opens one alert and one NEW task per household, in its town, due by severity; the import is EVALUATED', async () => {
    const a = await household({ town: '城关镇', members: ['1980-01-01', '2008-01-01', '2010-01-01'] });
    const b = await household({ town: '西河镇' });
    const { importId, raised } = await deliver('education', '2024-03-31', [
      [a, dropout, 1],
      [a, dropout, 2],
      [b, expense],
    ]);
    expect(raised).toEqual({
      outcome: 'raised',
      signals: 3,
      households: 2,
      alertsOpened: 2,
      alertsUpdated: 0,
      alertsSuppressed: 0,
      tasksOpened: 2,
    });
    const [alertA] = await alertsOf(a.householdId);
    expect(alertA).toMatchObject({ severity: 'high', status: 'OPEN' });
    const taskA = (await taskOf(a.householdId))!;
    expect(taskA).toMatchObject({ status: 'NEW', severity: 'high', town_id: a.townId, id: alertA!.task_id });
    expect(daysBetween(taskA.created_at, taskA.due_at)).toBe(3);
    const taskB = (await taskOf(b.householdId))!;
    expect(taskB).toMatchObject({ severity: 'medium', town_id: b.townId });
    expect(daysBetween(taskB.created_at, taskB.due_at)).toBe(10);
    const events = await tdb.db
      .selectFrom('task_events')
      .selectAll()
      .where('task_id', '=', taskA.id)
      .execute();
    expect(events).toEqual([
      expect.objectContaining({
        from_status: null,
        to_status: 'NEW',
        actor: 'system',
        note: 'alert raised: EDU_DROPOUT (severity high)',
      }),
    ]);
    const unattached = await tdb.db
      .selectFrom('signals')
      .leftJoin('alert_signals', 'alert_signals.signal_id', 'signals.id')
      .select('signals.id')
      .where('alert_signals.alert_id', 'is', null)
      .execute();
    expect(unattached).toEqual([]);
    const imp = await tdb.db
      .selectFrom('imports')
      .select(['status', 'finished_at'])
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    expect(imp.status).toBe('EVALUATED');
    expect(imp.finished_at).not.toBeNull();

    // idempotent: a second run finds nothing
    const before = await tableCounts(tdb.db);
    expect(await raiseAlerts(testContext(tdb), { importId })).toMatchObject({
      outcome: 'raised',
      signals: 0,
      households: 0,
    });
    expect(await tableCounts(tdb.db)).toEqual(before);
  });

  it('bucket jobs raise their own households; the last marks the import EVALUATED; a redelivered bucket does nothing', async () => {
    const ctx = testContext(tdb);
    const households: TestHousehold[] = [];
    for (let i = 0; i < 6; i++) households.push(await household());
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows: households.map((h) => ({ personId: h.personIds[0]!, payload: dropout })),
    });
    // evaluate only: the buckets are run by hand below
    const chunks = await tdb.db
      .selectFrom('import_chunks')
      .select(['chunk', 'row_from', 'row_to'])
      .where('import_id', '=', importId)
      .where('stage', '=', 'evaluate')
      .execute();
    for (const c of chunks)
      await evaluateChunk(ctx, { importId, chunk: c.chunk, rowFrom: c.row_from!, rowTo: c.row_to! });
    const status = async () =>
      (
        await tdb.db
          .selectFrom('imports')
          .select('status')
          .where('id', '=', importId)
          .executeTakeFirstOrThrow()
      ).status;
    const inBucket = (b: number) => households.filter((h) => h.householdId % ALERT_BUCKETS === b);

    for (const bucket of [2, 0, 3]) {
      expect(await raiseAlerts(ctx, { importId, bucket })).toMatchObject({
        outcome: 'raised',
        bucket,
        households: inBucket(bucket).length,
        tasksOpened: inBucket(bucket).length,
      });
      expect(await status()).not.toBe('EVALUATED');
    }
    // households of bucket 1 have no alert yet; the others have exactly one
    for (const h of households)
      expect((await alertsOf(h.householdId)).length).toBe(h.householdId % ALERT_BUCKETS === 1 ? 0 : 1);

    expect(await raiseAlerts(ctx, { importId, bucket: 1 })).toMatchObject({ outcome: 'raised', bucket: 1 });
    expect(await status()).toBe('EVALUATED');
    for (const h of households) expect((await alertsOf(h.householdId)).length).toBe(1);

    const before = await tableCounts(tdb.db);
    expect(await raiseAlerts(ctx, { importId, bucket: 2 })).toEqual({
      outcome: 'skipped',
      reason: 'already-done',
    });
    expect(await tableCounts(tdb.db)).toEqual(before);
  });

  it('PRIOR_REFUSED raises the alert one level: low → medium → high, high stays high', async () => {
    const low = await household({ refusedBefore: true });
    const medium = await household({ refusedBefore: true });
    const high = await household({ refusedBefore: true });
    const plain = await household();
    await deliver('hr', '2024-03-31', [
      [low, stopped()],
      [plain, stopped()],
    ]);
    await deliver('education', '2024-03-31', [
      [medium, expense],
      [high, dropout],
    ]);
    expect((await alertsOf(low.householdId))[0]).toMatchObject({
      severity: 'medium',
      severity_basis: {
        base: 'low',
        compound: null,
        priorRefused: { refusedOn: '2022-06-01' },
        final: 'medium',
      },
    });
    expect((await alertsOf(medium.householdId))[0]?.severity).toBe('high');
    expect((await alertsOf(high.householdId))[0]?.severity).toBe('high');
    expect((await alertsOf(plain.householdId))[0]?.severity).toBe('low');
    expect((await taskOf(low.householdId))?.severity).toBe('medium');
  });

  it('compound risk: two codes in one household within 90 days make the alert high', async () => {
    const both = await household({ members: ['1980-01-01', '1982-01-01'] }); // two codes in one delivery
    const in90 = await household();
    const out91 = await household();
    await deliver('hr', '2024-01-01', [
      [both, stopped(), 0],
      [both, { event: 'FLEXIBLE', event_date: '2023-12-01', monthly_income: 800 }, 1],
      [in90, stopped()],
      [out91, stopped()],
    ]);
    expect((await alertsOf(both.householdId))[0]).toMatchObject({
      severity: 'high',
      severity_basis: {
        base: 'low',
        compound: { codes: ['HR_FLEXIBLE_LOW', 'HR_STOPPED'], windowDays: 90, minCodes: 2 },
      },
    });
    expect((await alertsOf(in90.householdId))[0]?.severity).toBe('low');

    // across deliveries the window is by source period: 90 days in, 91 out (even after a close)
    for (const h of [in90, out91]) await closeTask(h.householdId, 200);
    await deliver('medical', '2024-03-31', [[in90, serious]]); // 90 days after 2024-01-01
    await deliver('medical', '2024-04-01', [[out91, serious]]); // 91 days
    expect((await alertsOf(in90.householdId))[1]).toMatchObject({
      severity: 'high',
      status: 'OPEN',
      severity_basis: { base: 'medium', compound: { codes: ['HR_STOPPED', 'MED_SERIOUS'] } },
    });
    expect((await alertsOf(out91.householdId))[1]).toMatchObject({
      severity: 'medium',
      status: 'OPEN',
      severity_basis: { compound: null },
    });
  });

  it('a household with an open task gets new signals attached to it, never a second task', async () => {
    const h = await household();
    await deliver('hr', '2024-01-01', [[h, stopped()]]);
    const task = (await taskOf(h.householdId))!;
    expect(task).toMatchObject({ severity: 'low' });
    expect(daysBetween(task.created_at, task.due_at)).toBe(20);
    await tdb.db.updateTable('tasks').set({ status: 'ASSIGNED' }).where('id', '=', task.id).execute();

    const { raised } = await deliver('education', '2024-02-01', [[h, expense]]);
    expect(raised).toMatchObject({ alertsOpened: 0, alertsUpdated: 1, tasksOpened: 0 });
    const alerts = await alertsOf(h.householdId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'high', status: 'OPEN', task_id: task.id }); // compound
    const after = (await taskOf(h.householdId))!;
    expect(after).toMatchObject({ id: task.id, status: 'ASSIGNED', severity: 'high' });
    expect(daysBetween(after.created_at, after.due_at)).toBe(3); // the high deadline from NEW
    const events = await tdb.db
      .selectFrom('task_events')
      .select(['from_status', 'to_status', 'note', 'detail'])
      .where('task_id', '=', task.id)
      .orderBy('id')
      .execute();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      from_status: 'ASSIGNED',
      to_status: 'ASSIGNED',
      note: 'new signals attached: EDU_EXPENSE (severity high)',
      detail: { codes: ['EDU_EXPENSE'], severityFrom: 'low', severityTo: 'high' },
    });
    const signals = await tdb.db
      .selectFrom('signals')
      .innerJoin('alert_signals', 'alert_signals.signal_id', 'signals.id')
      .select('alert_signals.alert_id')
      .where('signals.household_id', '=', h.householdId)
      .orderBy('signals.id')
      .execute();
    expect(signals.map((s) => s.alert_id)).toEqual([alerts[0]!.id, alerts[0]!.id]);
  });

  it('an open task whose alert was closed by hand takes a new alert, not a second task', async () => {
    const h = await household();
    await deliver('hr', '2024-01-01', [[h, stopped()]]);
    await tdb.db
      .updateTable('alerts')
      .set({ status: 'CLOSED' })
      .where('household_id', '=', h.householdId)
      .execute();
    await deliver('medical', '2024-01-31', [[h, serious]]);
    const alerts = await alertsOf(h.householdId);
    const task = (await taskOf(h.householdId))!;
    expect(alerts.map((a) => [a.status, a.task_id])).toEqual([
      ['CLOSED', task.id],
      ['OPEN', task.id],
    ]);
    expect(
      await tdb.db.selectFrom('tasks').select('id').where('household_id', '=', h.householdId).execute(),
    ).toHaveLength(1);
  });

  it('suppresses the same code within 90 days of a close, unless its severity rises', async () => {
    const recent = await household(); // closed 10 days ago: suppressed
    const old = await household(); // closed 91 days ago: a new task
    const otherCode = await household(); // a different code: a new task
    const refusedNow = await household(); // refused since: medium → high, a new task
    const jan = await deliver('education', '2024-01-31', [
      [recent, dropout],
      [old, dropout],
      [otherCode, dropout],
      [refusedNow, expense],
    ]);
    await closeTask(recent.householdId, 10);
    await closeTask(old.householdId, 91);
    await closeTask(otherCode.householdId, 10);
    await closeTask(refusedNow.householdId, 10);
    await tdb.db
      .updateTable('households')
      .set({ refused_before: true })
      .where('id', '=', refusedNow.householdId)
      .execute();

    const { raised } = await deliver(
      'education',
      '2024-06-30',
      [
        [recent, { ...dropout, school: '二中' }],
        [old, { ...dropout, school: '二中' }],
        [otherCode, { ...dropout, status: 'ENROLLED', annual_fees: 9000, aid_received: 0 }],
        [refusedNow, { ...expense, annual_fees: 9500 }],
      ],
      jan.importId,
    );
    expect(raised).toMatchObject({ households: 4, alertsOpened: 3, alertsSuppressed: 1, tasksOpened: 3 });
    const recentAlerts = await alertsOf(recent.householdId);
    expect(recentAlerts.map((a) => a.status)).toEqual(['CLOSED', 'SUPPRESSED']);
    expect(recentAlerts[1]).toMatchObject({
      task_id: null,
      severity_basis: { suppressedBy: [recentAlerts[0]!.id] },
    });
    expect(await taskOf(recent.householdId)).toBeUndefined();
    expect((await alertsOf(old.householdId)).map((a) => a.status)).toEqual(['CLOSED', 'OPEN']);
    expect((await alertsOf(otherCode.householdId)).map((a) => a.status)).toEqual(['CLOSED', 'OPEN']);
    expect((await alertsOf(refusedNow.householdId)).map((a) => [a.status, a.severity])).toEqual([
      ['CLOSED', 'medium'],
      ['OPEN', 'high'],
    ]);
  });
});
