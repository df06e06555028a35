// An alert explained: its signals with code, values and thresholds, and the source file, row and
// match — identities masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { runStandardChange } from '../rules/standard-change.ts';
import { addDelivery, addHousehold, evaluateDelivery, testContext } from '../rules/rules.fixture.ts';
import { explainAlert } from './explain.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

describe('explainAlert', () => {
  it('lists each signal with its rule, values, thresholds and source, identities masked', async () => {
    const ctx = testContext(tdb);
    const h = await addHousehold(tdb.db, {
      town: '西河镇',
      income: 1380,
      refusedBefore: true,
      members: ['1980-01-01', '2009-05-05'],
    });
    const { importId } = await addDelivery(tdb.db, {
      feed: 'education',
      period: '2023-06-30',
      fileName: '教育局学籍-202306.xlsx',
      rows: [
        {
          personId: h.personIds[1]!,
          method: 'FALLBACK',
          score: 0.92,
          payload: {
            school: '一中',
            stage: 'JUNIOR',
            status: 'DROPPED_OUT',
            annual_fees: null,
            aid_received: null,
          },
        },
      ],
    });
    await evaluateDelivery(ctx, importId);
    // its income rises to per-capita 1380: above the old marginal 1350, within the July one (1425)
    await tdb.db
      .updateTable('households')
      .set({ monthly_income: 2760 })
      .where('id', '=', h.householdId)
      .execute();
    await runStandardChange(ctx, { areaType: 'URBAN', effectiveFrom: '2023-07-01' });

    const alert = await tdb.db
      .selectFrom('alerts')
      .select('id')
      .where('household_id', '=', h.householdId)
      .executeTakeFirstOrThrow();
    const explained = await explainAlert(tdb.db, alert.id);
    const person = await tdb.db
      .selectFrom('persons')
      .select('id_number')
      .where('id', '=', h.personIds[1]!)
      .executeTakeFirstOrThrow();
    expect(explained).toMatchObject({
      id: alert.id,
      householdId: h.householdId,
      town: '西河镇',
      severity: 'high',
      status: 'OPEN',
      severityBasis: {
        base: 'high',
        priorRefused: { refusedOn: '2022-06-01' },
        compound: { codes: ['EDU_DROPOUT', 'INCOME_MARGINAL'] },
      },
      task: { status: 'NEW', severity: 'high' },
      signals: [
        {
          code: 'EDU_DROPOUT',
          rule: 'status 辍学 (dropped out)',
          severity: 'high',
          sourcePeriod: '2023-06-30',
          person: {
            idNumber: `${person.id_number.slice(0, 6)}********${person.id_number.slice(-4)}`,
            name: '张*',
          },
          values: { status: 'DROPPED_OUT', stage: 'JUNIOR', school: '一中' },
          thresholds: {},
          before: null,
          source: {
            kind: 'feed',
            feed: 'education',
            importId,
            fileName: '教育局学籍-202306.xlsx',
            period: '2023-06-30',
            rowNo: 2,
            matchMethod: 'FALLBACK',
            matchScore: 0.92,
          },
        },
        {
          code: 'INCOME_MARGINAL',
          severity: 'medium',
          sourcePeriod: '2023-07-01',
          person: null,
          values: { monthlyIncome: 2760, memberCount: 2, perCapitaIncome: 1380 },
          thresholds: { standard: 950, marginalThreshold: 1425, previousMarginalThreshold: 1350 },
          source: { kind: 'register', trigger: 'STANDARD_CHANGE' },
        },
      ],
    });
    // no full ID number or name anywhere in the explanation
    const text = JSON.stringify(explained);
    expect(text).not.toContain(person.id_number);
    expect(await explainAlert(tdb.db, 999_999)).toBeNull();
  });
});
