// A new low-income standard: INCOME_MARGINAL for exactly the households that qualify under it and
// did not under the standard in force the day before; once per (area type, effective date).
// Sample standards: URBAN 900 → 950 (marginal 1350 → 1425), RURAL 700 → 750 (1050 → 1125) on 2023-07-01.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { dueStandardChanges, runStandardChange } from './standard-change.ts';
import { addHousehold, tableCounts, testContext, type HouseholdSpec } from './rules.fixture.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb?.drop();
});

const one = (income: number | null, extra: HouseholdSpec = {}): HouseholdSpec => ({ income, ...extra });

describe('runStandardChange', () => {
  it('raises INCOME_MARGINAL for exactly the newly qualifying households, once', async () => {
    const ctx = testContext(tdb);
    const cases: Record<string, { spec: HouseholdSpec; raised: boolean }> = {
      'pc 899: below both standards': { spec: one(899), raised: false },
      'pc 920: qualified before, below the new standard': { spec: one(920), raised: false },
      'pc 1000: qualified before and after': { spec: one(1000), raised: false },
      'pc 1350: at the old marginal, qualified before': { spec: one(1350), raised: false },
      'pc 1350.01: just above the old marginal': { spec: one(1350.01), raised: true },
      'pc 1425: at the new marginal': { spec: one(1425), raised: true },
      'pc 1425.01: above the new marginal': { spec: one(1425.01), raised: false },
      '2 members, pc 1375': { spec: { income: 2750, members: ['1980-01-01', '2010-01-01'] }, raised: true },
      'pc 1400 but MARGINAL already': { spec: one(1400, { status: 'MARGINAL' }), raised: false },
      'pc 1400 but DIBAO': { spec: one(1400, { status: 'DIBAO' }), raised: false },
      'income unknown': { spec: one(null), raised: false },
      'rural pc 1100: another area type': { spec: one(1100, { area: 'RURAL' }), raised: false },
    };
    const ids = new Map<number, string>();
    for (const [name, c] of Object.entries(cases))
      ids.set((await addHousehold(tdb.db, c.spec)).householdId, name);

    const result = await runStandardChange(ctx, { areaType: 'URBAN', effectiveFrom: '2023-07-01' });
    expect(result).toMatchObject({
      outcome: 'evaluated',
      standard: { monthlyPerPerson: 950, marginalThreshold: 1425 },
      previous: { monthlyPerPerson: 900, marginalThreshold: 1350 },
      signals: 3,
      alerts: { alertsOpened: 3, tasksOpened: 3 },
    });
    const signals = await tdb.db.selectFrom('signals').selectAll().orderBy('id').execute();
    const raised = Object.entries(cases)
      .filter(([, c]) => c.raised)
      .map(([name]) => name)
      .sort();
    expect(signals.map((s) => ids.get(s.household_id)).sort()).toEqual(raised);
    expect(signals[0]).toMatchObject({
      feed: 'register',
      person_id: null,
      code: 'INCOME_MARGINAL',
      source_period: '2023-07-01',
      severity: 'medium',
      import_id: null,
    });
    expect(signals[0]!.evidence).toEqual({
      source: { trigger: 'STANDARD_CHANGE', areaType: 'URBAN', effectiveFrom: '2023-07-01' },
      values: {
        monthlyIncome: 1350.01,
        memberCount: 1,
        perCapitaIncome: 1350.01,
        assistanceStatus: 'NONE',
        areaType: 'URBAN',
      },
      thresholds: {
        standard: 950,
        marginalThreshold: 1425,
        marginalFactor: 1.5,
        standardEffectiveFrom: '2023-07-01',
        previousStandard: 900,
        previousMarginalThreshold: 1350,
      },
    });

    // one event: a second run (scheduler and CLI both) changes nothing
    const before = await tableCounts(tdb.db);
    expect(await runStandardChange(ctx, { areaType: 'URBAN', effectiveFrom: '2023-07-01' })).toEqual({
      outcome: 'already-run',
      areaType: 'URBAN',
      effectiveFrom: '2023-07-01',
    });
    expect(await tableCounts(tdb.db)).toEqual(before);

    // the rural change raises the rural household only
    const rural = await runStandardChange(ctx, { areaType: 'RURAL', effectiveFrom: '2023-07-01' });
    expect(rural).toMatchObject({ outcome: 'evaluated', signals: 1 });
    const ruralSignal = await tdb.db
      .selectFrom('signals')
      .select('household_id')
      .where('source_period', '=', '2023-07-01')
      .where(sql<boolean>`evidence @> ${JSON.stringify({ source: { areaType: 'RURAL' } })}::jsonb`)
      .execute();
    expect(ruralSignal.map((s) => ids.get(s.household_id))).toEqual(['rural pc 1100: another area type']);
  });

  it('refuses a date on which no standard takes effect', async () => {
    await expect(
      runStandardChange(testContext(tdb), { areaType: 'URBAN', effectiveFrom: '2023-07-02' }),
    ).rejects.toThrow(/no URBAN low-income standard takes effect on 2023-07-02/);
  });
});

describe('dueStandardChanges', () => {
  it('lists standards in effect since the first register snapshot and not yet run', async () => {
    const ctx = testContext(tdb);
    expect(await dueStandardChanges(ctx, '2024-01-01')).toEqual([]); // no register yet
    await tdb.db
      .insertInto('register_snapshots')
      .values({
        file_sha256: 'x',
        file_name: 'r.csv',
        encoding: 'utf-8',
        status: 'APPLIED',
        error_code: null,
        error_message: null,
        applied_at: '2023-03-01T12:00:00Z',
      })
      .execute();
    expect(await dueStandardChanges(ctx, '2023-06-30')).toEqual([]);
    expect(await dueStandardChanges(ctx, '2023-07-01')).toEqual([
      { areaType: 'RURAL', effectiveFrom: '2023-07-01', monthlyPerPerson: 750 },
      { areaType: 'URBAN', effectiveFrom: '2023-07-01', monthlyPerPerson: 950 },
    ]);
    await runStandardChange(ctx, { areaType: 'URBAN', effectiveFrom: '2023-07-01' });
    expect(await dueStandardChanges(ctx, '2023-08-01')).toEqual([
      { areaType: 'RURAL', effectiveFrom: '2023-07-01', monthlyPerPerson: 750 },
    ]);
  });
});
