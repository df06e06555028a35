// A corrected file (--replace) withdraws what it no longer supports (issue 15): the replaced
// delivery's signals it does not raise again are withdrawn and their open tasks flagged; those it
// raises again stay on their alerts (taken over, never doubled); a replacement of the same content
// changes nothing. Also when the replacement arrives while the first delivery still runs: before
// its alerts are raised, and while one of its evaluate chunks is under way.
// Real Postgres; the import's jobs run from the outbox in this process, in the order chosen here.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { decideReview } from '../match/review.ts';
import { evaluateChunk, evaluateMatchedRow } from '../rules/evaluate-chunk.ts';
import { tableCounts } from '../rules/rules.fixture.ts';
import { importReport } from './import-report.ts';
import {
  drain,
  hrLine,
  queuedId,
  registerHouseholds,
  requestHr,
  signalStates,
  withdrawnEvents,
  type Registered,
} from './replace.fixture.ts';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => {
  await app?.close();
});

const ALL = ['import', 'match', 'evaluate', 'raiseAlerts'] as const;

interface People {
  h1a: Registered;
  h1b: Registered;
  h2: Registered;
  h3: Registered;
  h4: Registered;
  h5: Registered;
}

async function people(): Promise<People> {
  const [h1, h2, h3, h4, h5] = await registerHouseholds(app, [
    ['1980-01-01', '1990-01-01'],
    ['1981-01-01'],
    ['1982-01-01'],
    ['1983-01-01'],
    ['1984-01-01'],
  ]);
  return { h1a: h1![0]!, h1b: h1![1]!, h2: h2![0]!, h3: h3![0]!, h4: h4![0]!, h5: h5![0]! };
}

/** The first delivery: five signals in four households. */
const original = (p: People) => [
  hrLine(p.h1a, '失业登记', '2023-03-01'), // HR_UNEMPLOYED — kept by the correction
  hrLine(p.h1b, '失业登记', '2023-03-05'), // HR_UNEMPLOYED — row removed
  hrLine(p.h2, '停保', '2023-03-10'), // HR_STOPPED — row removed
  hrLine(p.h3, '失业登记', '2023-03-02'), // HR_UNEMPLOYED — corrected to 就业: no signal
  hrLine(p.h4, '灵活就业', '2023-02-01', '1000'), // HR_FLEXIBLE_LOW — corrected to 1200, still low
];
/** The corrected file. */
const corrected = (p: People) => [
  hrLine(p.h1a, '失业登记', '2023-03-01'),
  hrLine(p.h3, '就业', '2023-03-02'),
  hrLine(p.h4, '灵活就业', '2023-02-01', '1200'),
  hrLine(p.h5, '停保', '2023-03-10'), // new: HR_STOPPED
];

const key = (s: { person_id: number | null; code: string }) => `${s.person_id}:${s.code}`;
const liveKeys = (p: People) =>
  [
    `${p.h1a.personId}:HR_UNEMPLOYED`,
    `${p.h4.personId}:HR_FLEXIBLE_LOW`,
    `${p.h5.personId}:HR_STOPPED`,
  ].sort();
const withdrawnKeys = (p: People) =>
  [`${p.h1b.personId}:HR_UNEMPLOYED`, `${p.h2.personId}:HR_STOPPED`, `${p.h3.personId}:HR_UNEMPLOYED`].sort();

async function importStatus(id: number) {
  return (
    await app.ctx.database.db
      .selectFrom('imports')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).status;
}

async function taskOf(householdId: number) {
  return app.ctx.database.db
    .selectFrom('tasks')
    .selectAll()
    .where('household_id', '=', householdId)
    .executeTakeFirst();
}

describe('a corrected file (--replace) after the first has run', () => {
  it('withdraws exactly what it no longer raises, flags the open tasks, keeps the rest; again: nothing', async () => {
    const db = app.ctx.database.db;
    const p = await people();
    const first = queuedId(await requestHr(app, 'hr.csv', original(p)));
    await drain(app, first, ALL);
    expect(await importStatus(first)).toBe('EVALUATED');
    const before = await signalStates(app);
    expect(before.map(key).sort()).toEqual([...liveKeys(p).slice(0, 2), ...withdrawnKeys(p)].sort());
    expect(before.every((s) => !s.withdrawn && s.task_id !== null)).toBe(true);
    // h3's task is closed before the correction arrives
    const h3Task = (await taskOf(p.h3.householdId))!;
    await db
      .updateTable('tasks')
      .set({ status: 'CLOSED', outcome: 'NOT_ELIGIBLE', closed_at: sql<Date>`now()` })
      .where('id', '=', h3Task.id)
      .execute();
    const h3Closed = await taskOf(p.h3.householdId);
    const h4Task = (await taskOf(p.h4.householdId))!;
    const h4Events = await db
      .selectFrom('task_events')
      .select('id')
      .where('task_id', '=', h4Task.id)
      .execute();

    const fixed = queuedId(await requestHr(app, 'hr-corrected.csv', corrected(p), true));
    await drain(app, fixed, ALL);
    expect([await importStatus(first), await importStatus(fixed)]).toEqual(['REPLACED', 'EVALUATED']);

    const after = await signalStates(app);
    // not doubled: the five first signals and h5's new one
    expect(after).toHaveLength(6);
    expect(
      after
        .filter((s) => !s.withdrawn)
        .map(key)
        .sort(),
    ).toEqual(liveKeys(p));
    expect(
      after
        .filter((s) => s.withdrawn)
        .map(key)
        .sort(),
    ).toEqual(withdrawnKeys(p));
    // the signals raised again are the same signals, now the corrected file's, on the same alerts
    for (const s of after.filter((x) => !x.withdrawn && x.person_id !== p.h5.personId)) {
      const was = before.find((b) => b.id === s.id)!;
      expect({ import: s.import_id, task: s.task_id }).toEqual({ import: fixed, task: was.task_id });
    }
    const h4Signal = await db
      .selectFrom('signals')
      .select('evidence')
      .where('person_id', '=', p.h4.personId)
      .executeTakeFirstOrThrow();
    expect(h4Signal.evidence).toMatchObject({ source: { importId: fixed }, values: { monthlyIncome: 1200 } });
    // withdrawn ones keep their import and alert, with a reason naming the corrected import
    for (const s of after.filter((x) => x.withdrawn)) {
      expect(s).toMatchObject({
        import_id: first,
        reason: expect.stringContaining(`第 ${fixed} 批导入`) as string,
      });
      expect(s.task_id).not.toBeNull();
    }

    // open tasks that held a withdrawn signal: one event each; h1 keeps its live code, h2 has none
    const h1Task = (await taskOf(p.h1a.householdId))!;
    const h2Task = (await taskOf(p.h2.householdId))!;
    const events = await withdrawnEvents(app);
    expect(events.map((e) => e.task_id).sort()).toEqual([h1Task.id, h2Task.id].sort());
    for (const e of events) {
      expect(e).toMatchObject({ from_status: 'NEW', to_status: 'NEW', actor: 'system' });
      expect(e.note).toBe(
        `1 条预警信号已撤销：数据已由更正文件（第 ${fixed} 批导入）替换，更正后的数据不再产生此信号`,
      );
      expect(e.detail).toMatchObject({
        cause: { kind: 'REPLACED', replacedImportIds: [first], replacedBy: fixed },
      });
    }
    expect([h1Task.codes, h2Task.codes]).toEqual([['HR_UNEMPLOYED'], []]);
    // the closed task is as it was but for its count of withdrawn signals (T0021); h4's (its
    // signal taken over, not withdrawn) has no new event and counts none
    expect(await taskOf(p.h3.householdId)).toEqual({ ...h3Closed, signals_withdrawn: 1 });
    expect((await taskOf(p.h4.householdId))?.signals_withdrawn).toBe(0);
    expect(
      await db.selectFrom('task_events').select('id').where('task_id', '=', h4Task.id).execute(),
    ).toEqual(h4Events);
    // h5's new signal opened its own task
    expect(await taskOf(p.h5.householdId)).toMatchObject({ status: 'NEW', codes: ['HR_STOPPED'] });
    expect((await tableCounts(db)).tasks).toBe(5);
    const audits = await db
      .selectFrom('audit_log')
      .select(['action', 'subject_id', 'detail'])
      .where('action', '=', 'signal.withdraw')
      .execute();
    expect(audits).toEqual([
      {
        action: 'signal.withdraw',
        subject_id: String(fixed),
        detail: {
          kind: 'REPLACED',
          replacedImportIds: [first],
          replacedBy: fixed,
          signals: 3,
          alerts: 3,
          tasksFlagged: 2,
        },
      },
    ]);

    // the reports: the corrected file's live signals, the replaced one's withdrawn
    expect(await importReport(db, fixed)).toMatchObject({
      signalsByCode: { HR_UNEMPLOYED: 1, HR_FLEXIBLE_LOW: 1, HR_STOPPED: 1 },
      signalsWithdrawn: 0,
      replaced: { replacedImportId: first, signalsWithdrawn: 3 },
    });
    expect(await importReport(db, first)).toMatchObject({ signalsByCode: {}, signalsWithdrawn: 3 });

    // the same corrected file again: already imported, nothing changes
    const counts = await tableCounts(db);
    expect(await requestHr(app, 'hr-corrected.csv', corrected(p), true)).toMatchObject({
      outcome: 'ALREADY_IMPORTED',
      importId: fixed,
    });
    // the same rows in another file (a BOM in front): it takes every signal over, withdraws nothing
    const again = queuedId(await requestHr(app, 'hr-corrected-2.csv', corrected(p), true, { bom: true }));
    await drain(app, again, ALL);
    expect(await importStatus(again)).toBe('EVALUATED');
    const last = await signalStates(app);
    expect(last.map((s) => ({ ...s, import_id: null }))).toEqual(
      after.map((s) => ({ ...s, import_id: null })),
    );
    expect(last.filter((s) => !s.withdrawn).every((s) => s.import_id === again)).toBe(true);
    expect(await withdrawnEvents(app)).toEqual(events);
    expect({ ...(await tableCounts(db)), outbox: 0 }).toEqual({ ...counts, outbox: 0 });
  });
});

describe('a row of the correction accepted in review after its evaluation', () => {
  it('brings the withdrawn signal back to life on its alert, and its code to the open task', async () => {
    const db = app.ctx.database.db;
    const p = await people();
    const first = queuedId(await requestHr(app, 'hr.csv', [hrLine(p.h2, '停保', '2023-03-10')]));
    await drain(app, first, ALL);
    // the correction names h2 with a name the register does not have: an identity conflict, to review
    const fixed = queuedId(
      await requestHr(
        app,
        'hr-corrected.csv',
        [hrLine({ ...p.h2, name: '李雷' }, '停保', '2023-03-10')],
        true,
      ),
    );
    await drain(app, fixed, ALL);
    const [signal] = await signalStates(app);
    expect(signal).toMatchObject({ withdrawn: true, import_id: first });
    const task = (await taskOf(p.h2.householdId))!;
    expect(task.codes).toEqual([]);

    const review = await db
      .selectFrom('match_reviews')
      .select('id')
      .where('import_id', '=', fixed)
      .executeTakeFirstOrThrow();
    const decided = await decideReview(db, {
      reviewId: review.id,
      actor: 'test',
      choice: { personId: p.h2.personId },
    });
    await evaluateMatchedRow(app.ctx, decided.newlyMatched!);
    expect(await signalStates(app)).toEqual([
      { ...signal, import_id: fixed, withdrawn: false, reason: null },
    ]);
    expect((await taskOf(p.h2.householdId))!.codes).toEqual(['HR_STOPPED']);
  });
});

describe('a corrected file arriving while the first still runs', () => {
  it('before its alerts are raised: what it no longer raises is withdrawn and never raised', async () => {
    const p = await people();
    const first = queuedId(await requestHr(app, 'hr.csv', original(p)));
    await drain(app, first, ['import', 'match', 'evaluate']); // its raiseAlerts jobs are recorded, not run
    const fixed = queuedId(await requestHr(app, 'hr-corrected.csv', corrected(p), true));
    await drain(app, fixed, ['import', 'match', 'evaluate']);
    await drain(app, first, ['raiseAlerts']); // the first's alert jobs run late: nothing left to raise
    await drain(app, fixed, ['raiseAlerts']);
    expect([await importStatus(first), await importStatus(fixed)]).toEqual(['REPLACED', 'EVALUATED']);
    await expectFinal(p, fixed);
  });

  it('while one of its evaluate chunks runs: the chunk withdraws what it raised, the correction takes it over', async () => {
    const db = app.ctx.database.db;
    const p = await people();
    app.ctx.chunkRows = 2; // rows 2..6: chunks [2,4) [4,6) [6,7)
    const first = queuedId(await requestHr(app, 'hr.csv', original(p)));
    await drain(app, first, ['import', 'match']);
    const chunks = await db
      .selectFrom('import_chunks')
      .select(['chunk', 'row_from', 'row_to'])
      .where('import_id', '=', first)
      .where('stage', '=', 'evaluate')
      .orderBy('chunk')
      .execute();
    expect(chunks).toHaveLength(3);
    const payload = (c: (typeof chunks)[number]) => ({
      importId: first,
      chunk: c.chunk,
      rowFrom: c.row_from!,
      rowTo: c.row_to!,
    });
    await evaluateChunk(app.ctx, payload(chunks[0]!));
    await evaluateChunk(app.ctx, payload(chunks[1]!));

    // the last chunk has read the import (not replaced yet) and waits for its chunk row …
    const blocker = await app.ctx.database.pool.connect();
    await blocker.query('begin');
    await blocker.query(
      `select 1 from import_chunks where import_id = $1 and stage = 'evaluate' and chunk = 2 for update`,
      [first],
    );
    const late = evaluateChunk(app.ctx, payload(chunks[2]!));
    await untilWaiting(/import_chunks/);
    // … while the corrected file is staged (the first is REPLACED from now on)
    const fixed = queuedId(await requestHr(app, 'hr-corrected.csv', corrected(p), true));
    await drain(app, fixed, ['import']);
    expect(await importStatus(first)).toBe('REPLACED');
    await blocker.query('commit');
    blocker.release();
    expect(await late).toMatchObject({
      outcome: 'evaluated',
      completion: 'last',
      signals: { HR_FLEXIBLE_LOW: 1 },
    });
    // it withdrew its own signal and recorded no alert job
    const lateSignal = await db
      .selectFrom('signals')
      .select(['id', 'import_id', 'superseded_at'])
      .where('person_id', '=', p.h4.personId)
      .executeTakeFirstOrThrow();
    expect(lateSignal.superseded_at).not.toBeNull();
    expect(
      await db
        .selectFrom('outbox')
        .select('id')
        .where('queue', '=', 'raiseAlerts')
        .where('job_id', 'like', `alerts-${first}-%`)
        .execute(),
    ).toEqual([]);

    await drain(app, fixed, ['match', 'evaluate', 'raiseAlerts']);
    expect(await importStatus(fixed)).toBe('EVALUATED');
    await expectFinal(p, fixed);
    // the correction raised h4's signal again: the same signal, live again, now its own
    expect(
      await db
        .selectFrom('signals')
        .select(['id', 'import_id', 'superseded_at'])
        .where('person_id', '=', p.h4.personId)
        .execute(),
    ).toEqual([{ id: lateSignal.id, import_id: fixed, superseded_at: null }]);
  });
});

/** The first's signals never reached a task: the live ones are the correction's, on tasks; nothing flagged. */
async function expectFinal(p: People, fixed: number): Promise<void> {
  const states = await signalStates(app);
  expect(states).toHaveLength(6);
  const live = states.filter((s) => !s.withdrawn);
  expect(live.map(key).sort()).toEqual(liveKeys(p));
  expect(live.every((s) => s.import_id === fixed && s.task_id !== null)).toBe(true);
  const withdrawn = states.filter((s) => s.withdrawn);
  expect(withdrawn.map(key).sort()).toEqual(withdrawnKeys(p));
  expect(withdrawn.every((s) => s.task_id === null)).toBe(true);
  expect(await withdrawnEvents(app)).toEqual([]);
  const tasks = await app.ctx.database.db
    .selectFrom('tasks')
    .select(['household_id', 'codes'])
    .orderBy('household_id')
    .execute();
  expect(tasks).toEqual(
    [
      { household_id: p.h1a.householdId, codes: ['HR_UNEMPLOYED'] },
      { household_id: p.h4.householdId, codes: ['HR_FLEXIBLE_LOW'] },
      { household_id: p.h5.householdId, codes: ['HR_STOPPED'] },
    ].sort((a, b) => a.household_id - b.household_id),
  );
}

/** Until a query of this test database waits for a lock (its text matching `query`). */
async function untilWaiting(query: RegExp): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { rows } = await sql<{ query: string }>`
      select a.query from pg_stat_activity a
       where a.datname = current_database() and a.wait_event_type = 'Lock'`.execute(app.ctx.database.db);
    if (rows.some((r) => query.test(r.query))) return;
    if (Date.now() - started > 10_000) throw new Error('the chunk never waited for its row');
    await new Promise((r) => setTimeout(r, 50));
  }
}
