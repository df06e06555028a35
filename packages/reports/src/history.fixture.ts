// A known history across the periods 2023-03-14 (Mar 1 – 14: February 2023 has 28 days) and
// 2023-03-28 (Mar 15 – 28), in two towns, with every case the table distinguishes: boundary
// instants, a transfer, a deadline moved, 一事一议 approved in the next period, a hand-opened case,
// a suppressed alert, a signal attached after its alert's period. Then `laterEvents` adds what
// happens after both periods (closes, transfers, new alerts, matches, signals): the past
// periods must not change. Not a test file itself.
import type { Database } from '@ew/db';
import {
  addAlert,
  addHousehold,
  addMatch,
  addTown,
  attachSignals,
  closeCaseByCase,
  closeTask,
  event,
  openTask,
  sh,
  startWork,
  transferTask,
} from './reports.fixture.ts';

export const TOWN_A = '城关镇';
export const TOWN_B = '西河镇';

export interface History {
  towns: { A: number; B: number };
  households: Record<
    'A1' | 'A2' | 'A3' | 'B1' | 'B2',
    { householdId: number; householdNo: string; personIds: number[] }
  >;
  tasks: Record<'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9', number>;
  alerts: Record<'AL1' | 'AL2' | 'AL3' | 'AL4' | 'AL5' | 'AL6' | 'AL7', number>;
}

export async function buildHistory(db: Database): Promise<History> {
  const A = await addTown(db, TOWN_A);
  const B = await addTown(db, TOWN_B);
  const A1 = await addHousehold(db, A, ['李明', '李小明']);
  const A2 = await addHousehold(db, A, ['王芳']);
  const A3 = await addHousehold(db, A, ['赵强']);
  const B1 = await addHousehold(db, B, ['孙丽']);
  const B2 = await addHousehold(db, B, ['周勇']);

  // matches
  await addMatch(db, A3.personIds[0]!, sh('2023-02-28 23:00')); // before the first period
  await addMatch(db, A1.personIds[0]!, sh('2023-03-02 09:00'), 'ID');
  await addMatch(db, A1.personIds[1]!, sh('2023-03-03 09:00'), 'FALLBACK');
  await addMatch(db, A1.personIds[0]!, sh('2023-03-04 09:00'), 'ID'); // same person again
  await addMatch(db, A3.personIds[0]!, sh('2023-03-05 09:00'), 'REVIEW'); // not screened
  await addMatch(db, null, sh('2023-03-05 09:30'), 'UNMATCHED');
  await addMatch(db, B1.personIds[0]!, sh('2023-03-10 09:00'), 'MANUAL');
  await addMatch(db, A2.personIds[0]!, new Date(sh('2023-03-15 00:00').getTime() - 1000)); // P1's last second
  await addMatch(db, A3.personIds[0]!, sh('2023-03-15 00:00')); // P2's first instant
  await addMatch(db, B2.personIds[0]!, sh('2023-03-20 09:00'));

  // T8: opened in February, closed at P1's first instant (纳入低保边缘, household A2)
  const T8 = await openTask(db, {
    townId: A,
    householdId: A2.householdId,
    at: sh('2023-02-20 10:00'),
    dueAt: sh('2023-02-23 10:00'),
    severity: 'high',
  });
  await startWork(db, T8, sh('2023-02-21 09:00'));
  await closeTask(db, T8, sh('2023-03-01 00:00'), 'INCLUDED_MARGINAL');

  // T1: A1, closed in P1 with 纳入低保边缘
  const T1 = await openTask(db, {
    townId: A,
    householdId: A1.householdId,
    at: sh('2023-03-02 10:00'),
    dueAt: sh('2023-03-05 10:00'),
    severity: 'high',
  });
  const AL1 = await addAlert(db, {
    householdId: A1.householdId,
    taskId: T1,
    at: sh('2023-03-02 10:00'),
    signals: [
      { code: 'HR_UNEMPLOYED', feed: 'hr' },
      { code: 'MED_EXPENSE', feed: 'medical' },
      { code: 'HR_UNEMPLOYED', feed: 'hr', at: sh('2023-03-02 09:59') },
    ],
  });
  await startWork(db, T1, sh('2023-03-02 11:00'));
  await closeTask(db, T1, sh('2023-03-10 16:00'), 'INCLUDED_MARGINAL');

  // T2: A2, its deadline moved earlier, then transferred to B (new deadline); 急难型 in P2
  const T2 = await openTask(db, {
    townId: A,
    householdId: A2.householdId,
    at: sh('2023-03-05 10:00'),
    dueAt: sh('2023-03-15 10:00'),
  });
  const AL2 = await addAlert(db, {
    householdId: A2.householdId,
    taskId: T2,
    at: sh('2023-03-05 10:00'),
    signals: [{ code: 'EDU_DROPOUT', feed: 'education' }],
  });
  await event(db, T2, {
    from: 'NEW',
    to: 'NEW',
    action: 'signals_attached',
    at: sh('2023-03-06 10:00'),
    detail: { dueAt: sh('2023-03-08 10:00').toISOString() },
  });
  await transferTask(db, T2, 'NEW', sh('2023-03-12 10:00'), A, B, sh('2023-03-22 10:00'));
  // a signal attached to AL2 in P2: AL2 counts in P1, with P1's codes only
  await attachSignals(db, AL2, A2.householdId, [
    { code: 'HOUSING_DANGER', feed: 'housing', at: sh('2023-03-18 10:00') },
  ]);
  await startWork(db, T2, sh('2023-03-16 09:00'));
  await closeTask(db, T2, sh('2023-03-25 15:00'), 'TEMP_AID_EMERGENCY', 2000);

  // T3: B1, overdue at P1's end; 一事一议 submitted and approved in P2
  const T3 = await openTask(db, {
    townId: B,
    householdId: B1.householdId,
    at: sh('2023-03-08 10:00'),
    dueAt: sh('2023-03-11 10:00'),
    severity: 'high',
  });
  const AL3 = await addAlert(db, {
    householdId: B1.householdId,
    taskId: T3,
    at: sh('2023-03-08 10:00'),
    signals: [{ code: 'MED_SERIOUS', feed: 'medical' }],
  });
  const AL4 = await addAlert(db, {
    householdId: B1.householdId,
    taskId: null,
    at: sh('2023-03-09 10:00'),
    signals: [{ code: 'HR_STOPPED', feed: 'hr' }],
    suppressed: true,
  });
  await startWork(db, T3, sh('2023-03-16 09:00'));
  await closeCaseByCase(db, T3, sh('2023-03-20 10:00'), sh('2023-03-27 10:00'), 15000);

  // T9: A1 again, 纳入低保边缘 once more in P1 (the household counts once)
  const T9 = await openTask(db, {
    townId: A,
    householdId: A1.householdId,
    at: sh('2023-03-11 10:00'),
    dueAt: sh('2023-03-21 10:00'),
    source: 'VILLAGE_REPORT',
  });
  await startWork(db, T9, sh('2023-03-11 11:00'));
  await closeTask(db, T9, sh('2023-03-12 10:00'), 'INCLUDED_MARGINAL');

  // T4: a hand-opened case (no household) at the end of P1, overdue at P2's end
  const T4 = await openTask(db, {
    townId: A,
    subject: { name: '钱伟', idNumber: '130802199001011234' },
    at: sh('2023-03-14 23:30'),
    dueAt: sh('2023-03-24 23:30'),
  });

  // T6: A3, opened at P2's first instant, referred
  const T6 = await openTask(db, {
    townId: A,
    householdId: A3.householdId,
    at: sh('2023-03-15 00:00'),
    dueAt: sh('2023-04-10 00:00'),
    severity: 'low',
  });
  const AL6 = await addAlert(db, {
    householdId: A3.householdId,
    taskId: T6,
    at: sh('2023-03-15 00:00'),
    signals: [{ code: 'INCOME_MARGINAL', feed: 'register' }],
  });
  await startWork(db, T6, sh('2023-03-16 09:00'));
  await closeTask(db, T6, sh('2023-03-20 10:00'), 'REFERRED_DIBAO');

  // T5: B2, deadline moved, 支出型 at P2's last minute
  const T5 = await openTask(db, {
    townId: B,
    householdId: B2.householdId,
    at: sh('2023-03-16 10:00'),
    dueAt: sh('2023-03-26 10:00'),
  });
  const AL5 = await addAlert(db, {
    householdId: B2.householdId,
    taskId: T5,
    at: sh('2023-03-16 10:00'),
    signals: [
      { code: 'RURAL_RISK', feed: 'rural' },
      { code: 'HR_STOPPED', feed: 'hr' },
    ],
  });
  await event(db, T5, {
    from: 'NEW',
    to: 'NEW',
    action: 'signals_attached',
    at: sh('2023-03-18 10:00'),
    detail: { dueAt: sh('2023-03-19 10:00').toISOString() },
  });
  await startWork(db, T5, sh('2023-03-18 11:00'));
  await closeTask(db, T5, sh('2023-03-28 23:59'), 'TEMP_AID_EXPENSE', 800.5);

  // T7: A1 a third time, not eligible
  const T7 = await openTask(db, {
    townId: A,
    householdId: A1.householdId,
    at: sh('2023-03-21 10:00'),
    dueAt: sh('2023-04-10 10:00'),
    severity: 'low',
  });
  const AL7 = await addAlert(db, {
    householdId: A1.householdId,
    taskId: T7,
    at: sh('2023-03-21 10:00'),
    signals: [{ code: 'HR_FLEXIBLE_LOW', feed: 'hr' }],
  });
  await startWork(db, T7, sh('2023-03-21 11:00'));
  await closeTask(db, T7, sh('2023-03-22 10:00'), 'NOT_ELIGIBLE');

  // paperwork recorded on a closed task: CLOSED → CLOSED is no close
  await event(db, T2, {
    from: 'CLOSED',
    to: 'CLOSED',
    action: 'record_paperwork',
    at: sh('2023-03-27 10:00'),
  });

  return {
    towns: { A, B },
    households: { A1, A2, A3, B1, B2 },
    tasks: { T1, T2, T3, T4, T5, T6, T7, T8, T9 },
    alerts: { AL1, AL2, AL3, AL4, AL5, AL6, AL7 },
  };
}

/** What happens after both periods: none of it may change them. */
export async function laterEvents(db: Database, h: History): Promise<void> {
  const { A, B } = h.towns;
  // T4 transferred (new deadline) and closed
  await transferTask(db, h.tasks.T4, 'NEW', sh('2023-04-02 10:00'), A, B, sh('2023-04-12 10:00'));
  await startWork(db, h.tasks.T4, sh('2023-04-03 09:00'));
  await closeTask(db, h.tasks.T4, sh('2023-04-05 10:00'), 'NOT_FOUND');
  // a new task and alert for B1, a signal attached to AL5, new matches
  const T10 = await openTask(db, {
    townId: B,
    householdId: h.households.B1.householdId,
    at: sh('2023-04-01 10:00'),
    dueAt: sh('2023-04-04 10:00'),
  });
  await addAlert(db, {
    householdId: h.households.B1.householdId,
    taskId: T10,
    at: sh('2023-04-01 10:00'),
    signals: [{ code: 'MED_EXPENSE', feed: 'medical' }],
  });
  await attachSignals(db, h.alerts.AL5, h.households.B2.householdId, [
    { code: 'EDU_EXPENSE', feed: 'education', at: sh('2023-04-03 10:00') },
  ]);
  await addMatch(db, h.households.A1.personIds[0]!, sh('2023-04-01 09:00'));
  await addMatch(db, h.households.B1.personIds[0]!, sh('2023-03-29 00:00'));
  await event(db, h.tasks.T2, {
    from: 'CLOSED',
    to: 'CLOSED',
    action: 'record_paperwork',
    at: sh('2023-04-04 10:00'),
  });
}
