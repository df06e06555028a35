// Withdrawing signals that are no longer true: marked superseded (never deleted), one
// signals_withdrawn event per open task they sat on, closed tasks left as they are, idempotent;
// explained as withdrawn; never raised again.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { runStandardChange } from '../rules/standard-change.ts';
import { addHousehold, tableCounts, testContext } from '../rules/rules.fixture.ts';
import { explainAlert } from './explain.ts';
import { raiseAlertsForSignals } from './raise-alerts.ts';
import { withdrawSignals, withdrawalNote } from './withdraw-signals.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb?.drop();
});

const REASON = '新低保边缘标准下不再符合';
const withdrawal = {
  reason: REASON,
  cause: { kind: 'TEST' },
  actor: 'cli:test',
  subject: { type: 'test', id: 1 },
};

/** Three URBAN households raised by the sample's July standard (pc 1400: 1350 < 1400 ≤ 1425). */
async function raisedHouseholds() {
  const ctx = testContext(tdb);
  const households = [];
  for (let i = 0; i < 3; i++) households.push(await addHousehold(tdb.db, { income: 1400 }));
  await runStandardChange(ctx, { areaType: 'URBAN', effectiveFrom: '2023-07-01' });
  const rows = await tdb.db
    .selectFrom('signals')
    .innerJoin('alert_signals', 'alert_signals.signal_id', 'signals.id')
    .innerJoin('alerts', 'alerts.id', 'alert_signals.alert_id')
    .select([
      'signals.id as signalId',
      'alerts.id as alertId',
      'alerts.task_id as taskId',
      'signals.household_id',
    ])
    .orderBy('signals.household_id')
    .execute();
  expect(rows).toHaveLength(3);
  return { ctx, households, rows };
}

async function events(taskId: number) {
  return tdb.db
    .selectFrom('task_events')
    .select(['action', 'actor', 'from_status', 'to_status', 'note', 'detail'])
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
}

describe('withdrawSignals', () => {
  it('marks the signals superseded, flags each open task once, leaves closed tasks, and is idempotent', async () => {
    const { ctx, rows } = await raisedHouseholds();
    const [open, closed, untouched] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    await tdb.db.updateTable('tasks').set({ status: 'IN_PROGRESS' }).where('id', '=', open.taskId!).execute();
    await tdb.db
      .updateTable('tasks')
      .set({ status: 'CLOSED', outcome: 'NOT_ELIGIBLE', closed_at: new Date() })
      .where('id', '=', closed.taskId!)
      .execute();
    const closedBefore = await tdb.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', closed.taskId!)
      .executeTakeFirstOrThrow();
    const closedEventsBefore = await events(closed.taskId!);

    const ids = [open.signalId, closed.signalId];
    const result = await tdb.db
      .transaction()
      .execute((trx) => withdrawSignals(trx, sql`select unnest(${ids}::bigint[]) as id`, withdrawal));
    expect(result).toEqual({ signals: 2, alerts: 2, tasksFlagged: 1 });

    const signals = await tdb.db
      .selectFrom('signals')
      .select(['id', 'superseded_at', 'superseded_reason'])
      .orderBy('household_id')
      .execute();
    expect(signals.map((s) => [s.superseded_at !== null, s.superseded_reason])).toEqual([
      [true, REASON],
      [true, REASON],
      [false, null],
    ]);

    // the open task: one event, visible, the same status; its codes are its live signals' (none)
    const openEvents = await events(open.taskId!);
    expect(openEvents.at(-1)).toMatchObject({
      action: 'signals_withdrawn',
      actor: 'system',
      from_status: 'IN_PROGRESS',
      to_status: 'IN_PROGRESS',
      note: `1 条预警信号已撤销：${REASON}`,
      detail: { signalIds: [open.signalId], codes: ['INCOME_MARGINAL'], cause: { kind: 'TEST' } },
    });
    expect(withdrawalNote(1, REASON)).toBe(openEvents.at(-1)!.note);
    const openTask = await tdb.db
      .selectFrom('tasks')
      .select(['status', 'codes'])
      .where('id', '=', open.taskId!)
      .executeTakeFirstOrThrow();
    expect(openTask).toEqual({ status: 'IN_PROGRESS', codes: [] });
    // both tasks count the withdrawn signal (the queue's 部分信号已撤销; T0021's trigger)
    // the closed task: nothing but the signal mark and that count (no event, same version)
    expect(await events(closed.taskId!)).toEqual(closedEventsBefore);
    expect(
      await tdb.db.selectFrom('tasks').selectAll().where('id', '=', closed.taskId!).executeTakeFirstOrThrow(),
    ).toEqual({ ...closedBefore, signals_withdrawn: 1 });
    // the third household: untouched
    expect((await events(untouched.taskId!)).map((e) => e.action)).toEqual(['open']);

    const audit = await tdb.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'subject_type', 'detail'])
      .where('action', '=', 'signal.withdraw')
      .execute();
    expect(audit).toEqual([
      {
        actor: 'cli:test',
        action: 'signal.withdraw',
        subject_type: 'test',
        detail: { kind: 'TEST', signals: 2, alerts: 2, tasksFlagged: 1 },
      },
    ]);

    // explained as withdrawn, with when and why; the live one is not
    const explained = await explainAlert(tdb.db, open.alertId);
    expect(explained?.signals[0]?.superseded).toEqual({ at: expect.any(Date), reason: REASON });
    expect((await explainAlert(tdb.db, untouched.alertId))?.signals[0]?.superseded).toBeNull();

    // a second withdrawal of the same signals changes nothing
    const before = await tableCounts(tdb.db);
    const again = await tdb.db
      .transaction()
      .execute((trx) =>
        withdrawSignals(trx, sql`select unnest(${ids}::bigint[]) as id`, { ...withdrawal, reason: 'other' }),
      );
    expect(again).toEqual({ signals: 0, alerts: 0, tasksFlagged: 0 });
    expect(await tableCounts(tdb.db)).toEqual(before);
    expect(
      (
        await tdb.db
          .selectFrom('signals')
          .select('superseded_reason')
          .where('id', '=', open.signalId)
          .executeTakeFirstOrThrow()
      ).superseded_reason,
    ).toBe(REASON);
    const withdrawnCount = async (taskId: number) =>
      (
        await tdb.db
          .selectFrom('tasks')
          .select('signals_withdrawn')
          .where('id', '=', taskId)
          .executeTakeFirstOrThrow()
      ).signals_withdrawn;
    expect(await withdrawnCount(open.taskId!)).toBe(1);

    // a signal live again (a corrected file's evaluation takes it back) counts no more; an update
    // that leaves superseded_at as it was changes no count
    await tdb.db
      .updateTable('signals')
      .set({ superseded_at: null })
      .where('id', '=', closed.signalId)
      .execute();
    await tdb.db
      .updateTable('signals')
      .set({ superseded_reason: 'x' })
      .where('id', '=', open.signalId)
      .execute();
    expect([await withdrawnCount(closed.taskId!), await withdrawnCount(open.taskId!)]).toEqual([0, 1]);

    // a withdrawn signal is never raised: unlinked, a raise leaves it pending forever
    await tdb.db.deleteFrom('alert_signals').where('signal_id', '=', open.signalId).execute();
    const raised = await tdb.db
      .transaction()
      .execute((trx) => raiseAlertsForSignals(trx, ctx, { signalIds: [open.signalId] }));
    expect(raised.signals).toBe(0);
  });

  it('writes nothing when the selection is empty', async () => {
    await raisedHouseholds();
    const before = await tableCounts(tdb.db);
    const result = await tdb.db
      .transaction()
      .execute((trx) => withdrawSignals(trx, sql`select id from signals where false`, withdrawal));
    expect(result).toEqual({ signals: 0, alerts: 0, tasksFlagged: 0 });
    expect(await tableCounts(tdb.db)).toEqual(before);
  });
});
