// The statistics table over a known history (history.fixture.ts): every cell of both periods,
// then the same periods again after later closes, transfers, alerts and matches: unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';
import { sql } from 'kysely';
import { buildHistory, laterEvents, TOWN_A, TOWN_B, type History } from './history.fixture.ts';
import { event, sh } from './reports.fixture.ts';
import { RULE_CODES } from './labels.ts';
import { ReportError } from './period.ts';
import { computeStats, type StatsRow } from './stats.ts';

let tdb: TestDatabase;
let h: History;

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = await buildHistory(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

function row(townId: number | null, town: string, figures: Partial<StatsRow>): StatsRow {
  const codes = Object.fromEntries(RULE_CODES.map((c) => [c, 0]));
  return {
    townId,
    town,
    householdsScreened: 0,
    personsScreened: 0,
    alerts: 0,
    tasksOpened: 0,
    tasksClosed: 0,
    tasksOpenAtEnd: 0,
    tasksOverdueAtEnd: 0,
    includedMarginal: 0,
    aidEmergency: { cases: 0, amount: 0 },
    aidExpense: { cases: 0, amount: 0 },
    caseByCase: { cases: 0, amount: 0 },
    referredDibao: 0,
    ...figures,
    alertsByCode: { ...codes, ...figures.alertsByCode },
  };
}

const expectedP1 = () => ({
  period: '2023-03-14',
  firstDay: '2023-03-01',
  lastDay: '2023-03-14',
  from: '2023-02-28T16:00:00.000Z',
  to: '2023-03-14T16:00:00.000Z',
  codes: [...RULE_CODES],
  towns: [
    row(h.towns.A, TOWN_A, {
      householdsScreened: 2, // A1 (two persons), A2 (its last second)
      personsScreened: 3,
      alerts: 2, // AL1, AL2
      alertsByCode: { HR_UNEMPLOYED: 1, MED_EXPENSE: 1, EDU_DROPOUT: 1 },
      tasksOpened: 4, // T1, T2, T9, T4
      tasksClosed: 3, // T8 (at the first instant), T1, T9
      includedMarginal: 2, // A2 (T8), A1 (T1 and T9)
      tasksOpenAtEnd: 1, // T4 (T2 moved to B)
      tasksOverdueAtEnd: 0,
    }),
    row(h.towns.B, TOWN_B, {
      householdsScreened: 1,
      personsScreened: 1,
      alerts: 1, // AL3 (AL4 suppressed)
      alertsByCode: { MED_SERIOUS: 1 },
      tasksOpened: 1, // T3 (a transfer in is no opening)
      tasksOpenAtEnd: 2, // T2, T3
      tasksOverdueAtEnd: 1, // T3; T2's deadline as of the end is the transfer's 03-22
    }),
  ],
  total: row(null, '合计', {
    householdsScreened: 3,
    personsScreened: 4,
    alerts: 3,
    alertsByCode: { HR_UNEMPLOYED: 1, MED_EXPENSE: 1, EDU_DROPOUT: 1, MED_SERIOUS: 1 },
    tasksOpened: 5,
    tasksClosed: 3,
    includedMarginal: 2,
    tasksOpenAtEnd: 3,
    tasksOverdueAtEnd: 1,
  }),
});

const expectedP2 = () => ({
  period: '2023-03-28',
  firstDay: '2023-03-15',
  lastDay: '2023-03-28',
  from: '2023-03-14T16:00:00.000Z',
  to: '2023-03-28T16:00:00.000Z',
  codes: [...RULE_CODES],
  towns: [
    row(h.towns.A, TOWN_A, {
      householdsScreened: 1, // A3 at the first instant
      personsScreened: 1,
      alerts: 2, // AL6, AL7
      alertsByCode: { INCOME_MARGINAL: 1, HR_FLEXIBLE_LOW: 1 },
      tasksOpened: 2, // T6, T7
      tasksClosed: 2, // T6, T7
      referredDibao: 1,
      tasksOpenAtEnd: 1, // T4
      tasksOverdueAtEnd: 1, // T4, due 03-24
    }),
    row(h.towns.B, TOWN_B, {
      householdsScreened: 1,
      personsScreened: 1,
      alerts: 1, // AL5
      alertsByCode: { RURAL_RISK: 1, HR_STOPPED: 1 },
      tasksOpened: 1, // T5
      tasksClosed: 3, // T2, T3 (approved), T5
      aidEmergency: { cases: 1, amount: 2000 },
      aidExpense: { cases: 1, amount: 800.5 },
      caseByCase: { cases: 1, amount: 15000 },
    }),
  ],
  total: row(null, '合计', {
    householdsScreened: 2,
    personsScreened: 2,
    alerts: 3,
    alertsByCode: { INCOME_MARGINAL: 1, HR_FLEXIBLE_LOW: 1, RURAL_RISK: 1, HR_STOPPED: 1 },
    tasksOpened: 3,
    tasksClosed: 5,
    referredDibao: 1,
    aidEmergency: { cases: 1, amount: 2000 },
    aidExpense: { cases: 1, amount: 800.5 },
    caseByCase: { cases: 1, amount: 15000 },
    tasksOpenAtEnd: 1,
    tasksOverdueAtEnd: 1,
  }),
});

describe('statistics table', () => {
  it('computes every cell of both periods', async () => {
    expect(await computeStats(tdb.db, '2023-03-14')).toEqual(expectedP1());
    expect(await computeStats(tdb.db, '2023-03-28')).toEqual(expectedP2());
  });

  it('gives a past period the same numbers after later closes, transfers, alerts and matches', async () => {
    await laterEvents(tdb.db, h);
    expect(await computeStats(tdb.db, '2023-03-14')).toEqual(expectedP1());
    expect(await computeStats(tdb.db, '2023-03-28')).toEqual(expectedP2());
    // the later events are in the next period
    const next = await computeStats(tdb.db, '2023-04-14');
    expect(next.total).toMatchObject({ tasksOpened: 1, tasksClosed: 1, alerts: 1, householdsScreened: 2 });
    expect(next.towns.find((t) => t.town === TOWN_B)).toMatchObject({
      tasksClosed: 1,
      tasksOpenAtEnd: 1,
      tasksOverdueAtEnd: 1,
    });
  });

  it('counts a code where its signal was raised unless it was withdrawn before the period ended', async () => {
    const signalOf = async (alertId: number, code: string) =>
      (
        await tdb.db
          .selectFrom('signals')
          .innerJoin('alert_signals', 'alert_signals.signal_id', 'signals.id')
          .select('signals.id')
          .where('alert_signals.alert_id', '=', alertId)
          .where('signals.code', '=', code)
          .executeTakeFirstOrThrow()
      ).id;
    const withdraw = async (id: number, at: Date) =>
      tdb.db
        .updateTable('signals')
        .set({ superseded_at: at, superseded_reason: '新低保边缘标准下不再符合' })
        .where('id', '=', id)
        .execute();
    // INCOME_MARGINAL of the second period, withdrawn within it: not counted; the alert still is
    const income = await signalOf(h.alerts.AL6, 'INCOME_MARGINAL');
    await withdraw(income, sh('2023-03-28 12:00'));
    const p2 = expectedP2();
    const without = (r: StatsRow) => ({ ...r, alertsByCode: { ...r.alertsByCode, INCOME_MARGINAL: 0 } });
    expect(await computeStats(tdb.db, '2023-03-28')).toEqual({
      ...p2,
      towns: [without(p2.towns[0]!), p2.towns[1]],
      total: without(p2.total),
    });
    // withdrawn after the period's end: the period keeps it
    await withdraw(income, sh('2023-03-29 00:00'));
    expect(await computeStats(tdb.db, '2023-03-28')).toEqual(expectedP2());
  });

  it('reads deadlines from the generated due_at; a malformed dueAt is null, never a failed insert', async () => {
    await event(tdb.db, h.tasks.T1, {
      from: 'CLOSED',
      to: 'CLOSED',
      action: 'note',
      at: sh('2023-05-01 10:00'),
      detail: { dueAt: 'soon' },
    });
    const rows = await tdb.db
      .selectFrom('task_events')
      .select(['due_at', sql<string>`detail->>'dueAt'`.as('raw')])
      .where('task_id', '=', h.tasks.T1)
      .where(sql<boolean>`detail ? 'dueAt'`)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { due_at: sh('2023-03-05 10:00'), raw: sh('2023-03-05 10:00').toISOString() },
      { due_at: null, raw: 'soon' },
    ]);
  });

  it('refuses a bad period with a clear error', async () => {
    for (const bad of ['2023-03-15', '2023-3-14', '2023-13-14', 'march', '']) {
      await expect(computeStats(tdb.db, bad)).rejects.toThrow(ReportError);
    }
    await expect(computeStats(tdb.db, '2023-03-15')).rejects.toThrow(/YYYY-MM-14 or YYYY-MM-28/);
  });
});
