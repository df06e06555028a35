// A new low-income standard: INCOME_MARGINAL for exactly the households that qualify under it and
// did not under the standard in force the day before; once per (area type, effective date).
// Sample standards: URBAN 900 → 950 (marginal 1350 → 1425), RURAL 700 → 750 (1050 → 1125) on 2023-07-01.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { simulateRules } from './simulate.ts';
import { dueStandardChanges, runStandardChange, runStandardChanges } from './standard-change.ts';
import { addHousehold, configWith, tableCounts, testContext, type HouseholdSpec } from './rules.fixture.ts';

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

// URBAN 900 → 950 (2023-07) → 920 (2024-01, marginal 1380: lowered); RURAL 700 → 750 → 800 (1200)
const BOTH_WAYS = configWith({
  lowIncomeStandards: [
    { areaType: 'URBAN', monthlyPerPerson: 900, effectiveFrom: '2023-01-01' },
    { areaType: 'RURAL', monthlyPerPerson: 700, effectiveFrom: '2023-01-01' },
    { areaType: 'URBAN', monthlyPerPerson: 950, effectiveFrom: '2023-07-01' },
    { areaType: 'RURAL', monthlyPerPerson: 750, effectiveFrom: '2023-07-01' },
    { areaType: 'URBAN', monthlyPerPerson: 920, effectiveFrom: '2024-01-01' },
    { areaType: 'RURAL', monthlyPerPerson: 800, effectiveFrom: '2024-01-01' },
  ],
});

describe('standard changes, both ways', () => {
  it('raises the newly qualifying, withdraws the no longer qualifying, agrees with simulate, once', async () => {
    const ctx = testContext(tdb, BOTH_WAYS);
    const h = {
      above: await addHousehold(tdb.db, { income: 1400 }), // July: raised; January: 1400 > 1380, withdrawn
      stays: await addHousehold(tdb.db, { income: 1370 }), // July: raised; January: still ≤ 1380, kept
      below: await addHousehold(tdb.db, { income: 935 }), // July: under 950; January: 920 < 935, raised
      covered: await addHousehold(tdb.db, { income: 1410 }), // July: raised; DIBAO since: kept
      closed: await addHousehold(tdb.db, { income: 1420 }), // July: raised, task closed; January: withdrawn
      rural: await addHousehold(tdb.db, { income: 1150, area: 'RURAL' }), // January: 1125 < 1150 ≤ 1200, raised
      ruralStays: await addHousehold(tdb.db, { income: 1100, area: 'RURAL' }), // July: raised; kept
      // July: raised; its income falls to 790 since: under January's 800 it is poorer than
      // marginal — the visit is still due (for 低保), so its signal is kept, not withdrawn
      ruralPoorer: await addHousehold(tdb.db, { income: 1110, area: 'RURAL' }),
    };
    const name = new Map(Object.entries(h).map(([k, v]) => [v.householdId, k]));

    const july = await runStandardChanges(ctx, { effectiveFrom: '2023-07-01' });
    expect(july.map((o) => o.outcome === 'evaluated' && [o.areaType, o.households])).toEqual([
      ['RURAL', { raised: 2, withdrawn: 0, kept: 0 }],
      ['URBAN', { raised: 4, withdrawn: 0, kept: 0 }],
    ]);
    await tdb.db
      .updateTable('households')
      .set({ assistance_status: 'DIBAO' })
      .where('id', '=', h.covered.householdId)
      .execute();
    await tdb.db
      .updateTable('households')
      .set({ monthly_income: 790 })
      .where('id', '=', h.ruralPoorer.householdId)
      .execute();
    const taskOf = async (householdId: number) =>
      (
        await tdb.db
          .selectFrom('tasks')
          .select(['id', 'status'])
          .where('household_id', '=', householdId)
          .executeTakeFirstOrThrow()
      ).id;
    await tdb.db
      .updateTable('tasks')
      .set({ status: 'CLOSED', outcome: 'NOT_ELIGIBLE', closed_at: new Date() })
      .where('id', '=', await taskOf(h.closed.householdId))
      .execute();

    // the dry run says what the change will do …
    const before = await tableCounts(tdb.db);
    const simulated = await simulateRules(ctx, BOTH_WAYS, { at: '2024-01-01' });
    expect(await tableCounts(tdb.db)).toEqual(before);
    const simulatedCounts = simulated.standardChange.map((c) => [
      c.areaType,
      { raised: c.raised, withdrawn: c.withdrawn, kept: c.kept },
    ]);
    expect(simulatedCounts).toEqual([
      ['URBAN', { raised: 1, withdrawn: 2, kept: 2 }],
      ['RURAL', { raised: 1, withdrawn: 0, kept: 2 }],
    ]);

    // … and the change does exactly that, every area type in one call
    const january = await runStandardChanges(ctx, { effectiveFrom: '2024-01-01' }, { actor: 'cli:test' });
    const applied = january.map((o) => o.outcome === 'evaluated' && [o.areaType, o.households]);
    expect(applied).toEqual([...simulatedCounts].reverse()); // in area order: RURAL, URBAN
    const urban = january.find((o) => o.areaType === 'URBAN');
    if (urban?.outcome !== 'evaluated') throw new Error('URBAN not evaluated');
    expect(urban).toMatchObject({
      standard: { monthlyPerPerson: 920, marginalThreshold: 1380 },
      previous: { monthlyPerPerson: 950, marginalThreshold: 1425 },
      signals: 1,
      withdrawal: { signals: 2, alerts: 2, tasksFlagged: 1 },
    });
    // reported: count and list, by household number
    const listed = urban.withdrawn.map((w) => [name.get(w.householdId), w.perCapitaIncome, w.taskStatus]);
    expect(listed.sort()).toEqual([
      ['above', 1400, 'NEW'],
      ['closed', 1420, null], // its task is closed: no open task to flag
    ]);

    const signals = await tdb.db
      .selectFrom('signals')
      .select(['household_id', 'source_period', 'superseded_at', 'superseded_reason'])
      .orderBy('id')
      .execute();
    const live = signals.filter((s) => s.superseded_at === null).map((s) => name.get(s.household_id));
    const gone = signals.filter((s) => s.superseded_at !== null);
    expect(live.sort()).toEqual(['below', 'covered', 'rural', 'ruralPoorer', 'ruralStays', 'stays']);
    expect(gone.map((s) => name.get(s.household_id)).sort()).toEqual(['above', 'closed']);
    for (const s of gone)
      expect(s.superseded_reason).toMatch(/^新低保边缘标准下不再符合（城市自 2024-01-01 起/);

    // the open task shows it; the closed one is left as it was
    const eventsOf = async (householdId: number) =>
      (
        await tdb.db
          .selectFrom('task_events')
          .select(['action', 'note'])
          .where('task_id', '=', await taskOf(householdId))
          .orderBy('id')
          .execute()
      ).map((e) => e.action);
    expect(await eventsOf(h.above.householdId)).toEqual(['open', 'signals_withdrawn']);
    expect(await eventsOf(h.closed.householdId)).toEqual(['open']);
    // the newly qualifying household has its task
    expect(await eventsOf(h.below.householdId)).toEqual(['open']);

    // idempotent: a second run changes nothing, and the dry run now finds nothing to do
    const after = await tableCounts(tdb.db);
    expect((await runStandardChanges(ctx, { effectiveFrom: '2024-01-01' })).map((o) => o.outcome)).toEqual([
      'already-run',
      'already-run',
    ]);
    expect(await tableCounts(tdb.db)).toEqual(after);
    const again = await simulateRules(ctx, BOTH_WAYS, { at: '2024-01-01' });
    expect(again.standardChange.map((c) => [c.raised, c.withdrawn])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('refuses a date on which no standard takes effect, for every area type', async () => {
    await expect(
      runStandardChanges(testContext(tdb, BOTH_WAYS), { effectiveFrom: '2024-01-02' }),
    ).rejects.toThrow(/no low-income standard takes effect on 2024-01-02/);
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
