// The evaluate stage: chunk bookkeeping, the raiseAlerts hand-off, evidence, and "no noise" —
// a re-delivered or overlapping file raises nothing new; a later delivery raises only what changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { evaluateChunk, evaluateMatchedRow, evaluateMatchedRows } from './evaluate-chunk.ts';
import {
  addDelivery,
  addHousehold,
  codesByRow,
  evaluateDelivery,
  tableCounts,
  testContext,
} from './rules.fixture.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb?.drop();
});

const dropout = (school = '一中') => ({
  school,
  stage: 'JUNIOR',
  status: 'DROPPED_OUT',
  annual_fees: null,
  aid_received: null,
});
const enrolled = {
  school: '一中',
  stage: 'JUNIOR',
  status: 'ENROLLED',
  annual_fees: null,
  aid_received: null,
};

async function households(n: number) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await addHousehold(tdb.db, { town: i % 2 === 0 ? '城关镇' : '西河镇' }));
  return out;
}

describe('evaluateChunk', () => {
  it('evaluates chunk by chunk; a redelivered chunk does nothing; the last records raiseAlerts', async () => {
    const ctx = testContext(tdb);
    const hh = await households(5);
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows: hh.map((h) => ({ personId: h.personIds[0]!, payload: dropout() })),
      chunkSize: 2,
    });
    // rows 2..6 → chunks [2,4) [4,6) [6,7)
    const first = await evaluateChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 4 });
    expect(first).toEqual({ outcome: 'evaluated', completion: 'more-to-come', signals: { EDU_DROPOUT: 2 } });
    expect(await evaluateChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 4 })).toEqual({
      outcome: 'skipped',
      reason: 'already-done',
    });
    await expect(evaluateChunk(ctx, { importId, chunk: 1, rowFrom: 4, rowTo: 7 })).rejects.toThrow(
      /differ from the plan/,
    );
    await expect(evaluateChunk(ctx, { importId, chunk: 9, rowFrom: 4, rowTo: 7 })).rejects.toThrow(
      /never planned/,
    );
    expect(await evaluateChunk(ctx, { importId, chunk: 2, rowFrom: 6, rowTo: 7 })).toMatchObject({
      completion: 'more-to-come',
    });
    const outboxBefore = await tdb.db.selectFrom('outbox').select('job_id').execute();
    expect(outboxBefore).toEqual([]);
    expect(await evaluateChunk(ctx, { importId, chunk: 1, rowFrom: 4, rowTo: 6 })).toMatchObject({
      completion: 'last',
    });
    const outbox = await tdb.db
      .selectFrom('outbox')
      .select(['queue', 'job_id', 'payload'])
      .orderBy('id')
      .execute();
    // one raiseAlerts job per household bucket, each with its alerts chunk to mark done
    expect(outbox).toEqual(
      [0, 1, 2, 3].map((bucket) => ({
        queue: 'raiseAlerts',
        job_id: `alerts-${importId}-${bucket}`,
        payload: { importId, bucket },
      })),
    );
    const alertChunks = await tdb.db
      .selectFrom('import_chunks')
      .select(['chunk', 'row_from', 'done_at'])
      .where('import_id', '=', importId)
      .where('stage', '=', 'alerts')
      .orderBy('chunk')
      .execute();
    expect(alertChunks).toEqual([0, 1, 2, 3].map((chunk) => ({ chunk, row_from: null, done_at: null })));
    expect((await tableCounts(tdb.db)).signals).toBe(5);
    // signals only: no alert before the raiseAlerts job
    expect((await tableCounts(tdb.db)).alerts).toBe(0);
  });

  it('records the source row, the match and the values and thresholds used', async () => {
    const ctx = testContext(tdb);
    const h = await addHousehold(tdb.db, { income: 1000, members: ['1980-01-01', '2010-02-02'] });
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      fileName: '教育局-2024Q1.xlsx',
      rows: [
        {
          personId: h.personIds[1]!,
          method: 'FALLBACK',
          score: 0.95,
          payload: { ...enrolled, annual_fees: 5000, aid_received: 1000 },
        },
      ],
    });
    await evaluateDelivery(ctx, importId);
    const signal = await tdb.db.selectFrom('signals').selectAll().executeTakeFirstOrThrow();
    expect(signal).toMatchObject({
      feed: 'education',
      person_id: h.personIds[1],
      household_id: h.householdId,
      code: 'EDU_EXPENSE',
      source_period: '2024-03-31',
      severity: 'medium',
      import_id: importId,
      row_no: 2,
    });
    expect(signal.evidence).toEqual({
      source: { importId, rowNo: 2, period: '2024-03-31', matchMethod: 'FALLBACK', matchScore: 0.95 },
      values: {
        annualFees: 5000,
        aidReceived: 1000,
        netExpense: 4000,
        monthlyIncome: 1000,
        annualIncome: 12000,
      },
      thresholds: { shareOfAnnualIncome: 0.3, limit: 3600 },
    });
  });

  it('ignores duplicate rows, people who left the register and deliveries that were replaced', async () => {
    const ctx = testContext(tdb);
    const [a, b] = await households(2);
    await tdb.db.updateTable('persons').set({ active: false }).where('id', '=', b!.personIds[0]!).execute();
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows: [
        { personId: a!.personIds[0]!, payload: dropout() },
        { personId: a!.personIds[0]!, payload: dropout(), duplicateOf: 2 },
        { personId: b!.personIds[0]!, payload: dropout() },
      ],
    });
    await evaluateDelivery(ctx, importId);
    expect(await codesByRow(tdb.db, importId)).toEqual(new Map([[2, ['EDU_DROPOUT']]]));

    const replaced = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-04-30',
      rows: [{ personId: a!.personIds[0]!, payload: dropout('二中') }],
    });
    await tdb.db
      .updateTable('imports')
      .set({ status: 'REPLACED' })
      .where('id', '=', replaced.importId)
      .execute();
    expect(await evaluateChunk(ctx, { importId: replaced.importId, chunk: 0, rowFrom: 2, rowTo: 3 })).toEqual(
      {
        outcome: 'skipped',
        reason: 'import-not-evaluable',
      },
    );
  });
});

describe('no noise', () => {
  it('a re-delivered file for the same period (a corrected file) raises nothing new', async () => {
    const ctx = testContext(tdb);
    const hh = await households(3);
    const rows = hh.map((h) => ({ personId: h.personIds[0]!, payload: dropout() }));
    const first = await addDelivery(tdb.db, { feed: 'education', period: '2024-03-31', rows });
    await evaluateDelivery(ctx, first.importId);
    const before = await tableCounts(tdb.db);
    expect(before).toMatchObject({ signals: 3, alerts: 3, tasks: 3 });

    await tdb.db
      .updateTable('imports')
      .set({ status: 'REPLACED' })
      .where('id', '=', first.importId)
      .execute();
    const again = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows,
      replacesImportId: first.importId,
    });
    const { raised } = await evaluateDelivery(ctx, again.importId);
    expect(raised).toMatchObject({ outcome: 'raised', signals: 0, alertsOpened: 0 });
    const after = await tableCounts(tdb.db);
    expect({ ...after, outbox: 0 }).toEqual({ ...before, outbox: 0 });
  });

  it('a later delivery raises signals only for its new and changed rows', async () => {
    const ctx = testContext(tdb);
    const [same, changed, fresh, cured] = await households(4);
    const jan = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-01-31',
      rows: [
        { personId: same!.personIds[0]!, payload: dropout() },
        { personId: changed!.personIds[0]!, payload: dropout('一中') },
        { personId: cured!.personIds[0]!, payload: dropout() },
      ],
    });
    await evaluateDelivery(ctx, jan.importId);
    expect((await tableCounts(tdb.db)).signals).toBe(3);

    const feb = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-02-29',
      previousImportId: jan.importId,
      rows: [
        { personId: same!.personIds[0]!, payload: dropout() }, // SAME: already known
        { personId: changed!.personIds[0]!, payload: dropout('二中') }, // CHANGED: fires again
        { personId: fresh!.personIds[0]!, payload: dropout() }, // NEW
        { personId: cured!.personIds[0]!, payload: enrolled }, // CHANGED, no rule
      ],
    });
    await evaluateDelivery(ctx, feb.importId);
    expect(await codesByRow(tdb.db, feb.importId)).toEqual(
      new Map([
        [3, ['EDU_DROPOUT']],
        [4, ['EDU_DROPOUT']],
      ]),
    );
    // the changed row's household has an open task: attached, not a second task
    const tasks = await tdb.db.selectFrom('tasks').select('household_id').execute();
    expect(tasks.map((t) => t.household_id).sort()).toEqual(
      [same!.householdId, changed!.householdId, cured!.householdId, fresh!.householdId].sort(),
    );
  });

  it('a row matched later by a reviewer is evaluated and raised on its own', async () => {
    const ctx = testContext(tdb);
    const [h] = await households(1);
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows: [{ personId: null, method: 'REVIEW', payload: dropout() }],
    });
    await evaluateDelivery(ctx, importId);
    expect((await tableCounts(tdb.db)).signals).toBe(0);
    await tdb.db
      .updateTable('matches')
      .set({ method: 'MANUAL', person_id: h!.personIds[0]!, score: 1 })
      .where('import_id', '=', importId)
      .execute();
    const result = await evaluateMatchedRow(ctx, { importId, rowNo: 2 });
    expect(result).toMatchObject({
      signals: { EDU_DROPOUT: 1 },
      alerts: { alertsOpened: 1, tasksOpened: 1 },
    });
    expect(await evaluateMatchedRow(ctx, { importId, rowNo: 2 })).toMatchObject({
      signals: {},
      alerts: { signals: 0 },
    });
  });

  it('rows of one import matched later (a register re-match) are evaluated and raised together', async () => {
    const ctx = testContext(tdb);
    const [a, b] = await households(2);
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2024-03-31',
      rows: [
        { personId: null, method: 'OUTSIDE', payload: dropout() },
        { personId: null, method: 'OUTSIDE', payload: dropout() },
        { personId: null, method: 'OUTSIDE', payload: dropout() },
      ],
    });
    await evaluateDelivery(ctx, importId);
    for (const [rowNo, h] of [
      [2, a],
      [3, b],
    ] as const) {
      await tdb.db
        .updateTable('matches')
        .set({ method: 'ID', person_id: h!.personIds[0]!, score: 1 })
        .where('import_id', '=', importId)
        .where('row_no', '=', rowNo)
        .execute();
    }
    // row 4 stays outside the register: listed, it finds no match and raises nothing
    expect(await evaluateMatchedRows(ctx, importId, [2, 3, 4])).toMatchObject({
      signals: { EDU_DROPOUT: 2 },
      alerts: { households: 2, alertsOpened: 2, tasksOpened: 2 },
    });
    expect(await evaluateMatchedRows(ctx, importId, [2, 3, 4])).toMatchObject({
      signals: {},
      alerts: { signals: 0 },
    });
  });
});
