// Every feed rule of domain §4 at its edges: just below, at and just above each threshold; each
// assistance status; each date window; ages 15/16/60/61; unknown values. One delivery per feed,
// one household per case; the table says which codes each case must raise.
// Period 2024-03-31: URBAN standard 950 (marginal 1425), RURAL 750 (marginal 1125).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thresholdsAt, type DeploymentConfig } from '@ew/config';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { MatchMethod } from '@ew/db';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { rowPrefilter, type RuleCode } from './rule.ts';
import { FEED_RULES, rulesForFeed } from './registry.ts';
import {
  addDelivery,
  addHousehold,
  codesByRow,
  configWith,
  evaluateDelivery,
  SAMPLE_CONFIG,
  testContext,
  type HouseholdSpec,
} from './rules.fixture.ts';

interface Case {
  household?: HouseholdSpec;
  payload: Record<string, unknown>;
  method?: MatchMethod;
  expect: RuleCode[];
}

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

/** Evaluates the cases as one delivery; returns case name → codes raised (sorted). */
async function run(
  feed: string,
  period: string,
  cases: Record<string, Case>,
  config: DeploymentConfig = SAMPLE_CONFIG,
): Promise<{ actual: Record<string, string[]>; expected: Record<string, string[]> }> {
  const names = Object.keys(cases);
  const rows = [];
  for (const name of names) {
    const c = cases[name]!;
    const hh = await addHousehold(tdb.db, c.household);
    rows.push({ personId: hh.personIds[0]!, payload: c.payload, method: c.method ?? 'ID' });
  }
  const { importId, rowNos } = await addDelivery(tdb.db, { feed, period, rows });
  await evaluateDelivery(testContext(tdb, config), importId);
  const byRow = await codesByRow(tdb.db, importId);
  const actual: Record<string, string[]> = {};
  const expected: Record<string, string[]> = {};
  names.forEach((name, i) => {
    actual[name] = byRow.get(rowNos[i]!) ?? [];
    expected[name] = [...cases[name]!.expect].sort();
  });
  return { actual, expected };
}

const PERIOD = '2024-03-31';

describe('registry', () => {
  it('has every feed rule of the §4 table once, with its severity', () => {
    expect(Object.fromEntries(FEED_RULES.map((r) => [r.code, `${r.feed}/${r.severity}`]))).toEqual({
      EDU_DROPOUT: 'education/high',
      EDU_EXPENSE: 'education/medium',
      HR_UNEMPLOYED: 'hr/medium',
      HR_FLEXIBLE_LOW: 'hr/low',
      HR_STOPPED: 'hr/low',
      HOUSING_DANGER: 'housing/high',
      ASSET_REVIEW: 'housing/medium',
      MED_EXPENSE: 'medical/high',
      MED_SERIOUS: 'medical/medium',
      RURAL_RISK: 'rural/high',
    });
  });
});

describe('row conditions', () => {
  const compiler = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const thresholds = thresholdsAt(SAMPLE_CONFIG, PERIOD).values;

  it('read the delivered row alone: they are checked before the row is joined', () => {
    for (const rule of FEED_RULES) {
      if (rule.rowCondition === undefined) continue;
      const text = rule.rowCondition(thresholds).compile(compiler).sql;
      const columns = new Set([...text.matchAll(/\br\.(\w+)/g)].map((m) => m[1]));
      expect([rule.code, [...columns].filter((c) => c !== 'payload' && c !== 'period')]).toEqual([
        rule.code,
        [],
      ]);
    }
  });

  it('prefilter a feed only when every rule of it has one', () => {
    expect(rowPrefilter(rulesForFeed('hr'), thresholds)).toBeDefined();
    expect(rowPrefilter(rulesForFeed('education'), thresholds)).toBeUndefined(); // EDU_EXPENSE has none
    expect(rowPrefilter([], thresholds)).toBeUndefined();
  });
});

describe('education', () => {
  const edu = (status: string, fees: number | null, aid: number | null) => ({
    school: '一中',
    stage: 'JUNIOR',
    status,
    annual_fees: fees,
    aid_received: aid,
  });
  // income 1000 a month → annual 12000 → 30% = 3600
  const low = { income: 1000 };
  it('EDU_DROPOUT on 辍学 whatever the status; EDU_EXPENSE when fees − aid > 30% of annual income', async () => {
    const { actual, expected } = await run('education', PERIOD, {
      'dropped out': { payload: edu('DROPPED_OUT', null, null), expect: ['EDU_DROPOUT'] },
      'dropped out, DIBAO': {
        household: { status: 'DIBAO' },
        payload: edu('DROPPED_OUT', null, null),
        expect: ['EDU_DROPOUT'],
      },
      enrolled: { payload: edu('ENROLLED', null, null), expect: [] },
      suspended: { payload: edu('SUSPENDED', null, null), expect: [] },
      'net 3599.99 (below)': { household: low, payload: edu('ENROLLED', 3599.99, 0), expect: [] },
      'net 3600 (at: not >)': { household: low, payload: edu('ENROLLED', 3600, 0), expect: [] },
      'net 3600.01 (above)': {
        household: low,
        payload: edu('ENROLLED', 3600.01, 0),
        expect: ['EDU_EXPENSE'],
      },
      'fees 5000 − aid 1400 = 3600': { household: low, payload: edu('ENROLLED', 5000, 1400), expect: [] },
      'fees 5000 − aid 1399.99': {
        household: low,
        payload: edu('ENROLLED', 5000, 1399.99),
        expect: ['EDU_EXPENSE'],
      },
      'aid unknown counts as none': {
        household: low,
        payload: edu('ENROLLED', 3600.01, null),
        expect: ['EDU_EXPENSE'],
      },
      'fees unknown': { household: low, payload: edu('ENROLLED', null, 0), expect: [] },
      'income unknown: no rule': {
        household: { income: null },
        payload: edu('ENROLLED', 100000, 0),
        expect: [],
      },
      'income 0: any net cost': {
        household: { income: 0 },
        payload: edu('ENROLLED', 1, 0),
        expect: ['EDU_EXPENSE'],
      },
      'income 0, no net cost': { household: { income: 0 }, payload: edu('ENROLLED', 500, 500), expect: [] },
      'covered household too': {
        household: { ...low, status: 'TEKUN' },
        payload: edu('ENROLLED', 4000, 0),
        expect: ['EDU_EXPENSE'],
      },
      'both rules': {
        household: low,
        payload: edu('DROPPED_OUT', 4000, 0),
        expect: ['EDU_DROPOUT', 'EDU_EXPENSE'],
      },
    });
    expect(actual).toEqual(expected);
  });
});

describe('hr', () => {
  const hr = (event: string, eventDate: string, income: number | null = null) => ({
    event,
    event_date: eventDate,
    monthly_income: income,
  });
  const adult = { members: ['1980-05-05'] };
  it('HR_UNEMPLOYED: within 0..90 days of the period, aged 16–60, household not covered', async () => {
    const { actual, expected } = await run('hr', PERIOD, {
      '0 days': { household: adult, payload: hr('UNEMPLOYED', '2024-03-31'), expect: ['HR_UNEMPLOYED'] },
      '90 days': { household: adult, payload: hr('UNEMPLOYED', '2024-01-01'), expect: ['HR_UNEMPLOYED'] },
      '91 days': { household: adult, payload: hr('UNEMPLOYED', '2023-12-31'), expect: [] },
      'event after the period': { household: adult, payload: hr('UNEMPLOYED', '2024-04-01'), expect: [] },
      'aged 15 (16 tomorrow)': {
        household: { members: ['2008-04-01'] },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: [],
      },
      'aged 16 today': {
        household: { members: ['2008-03-31'] },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: ['HR_UNEMPLOYED'],
      },
      'aged 60 (61 tomorrow)': {
        household: { members: ['1963-04-01'] },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: ['HR_UNEMPLOYED'],
      },
      'aged 61 today': {
        household: { members: ['1963-03-31'] },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: [],
      },
      'birth date unknown': {
        household: { members: [null] },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: [],
      },
      DIBAO: {
        household: { ...adult, status: 'DIBAO' },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: [],
      },
      TEKUN: {
        household: { ...adult, status: 'TEKUN' },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: [],
      },
      MARGINAL: {
        household: { ...adult, status: 'MARGINAL' },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: ['HR_UNEMPLOYED'],
      },
      MONITORED: {
        household: { ...adult, status: 'MONITORED' },
        payload: hr('UNEMPLOYED', '2024-03-01'),
        expect: ['HR_UNEMPLOYED'],
      },
      employed: { household: adult, payload: hr('EMPLOYED', '2024-03-01', 500), expect: [] },
    });
    expect(actual).toEqual(expected);
  });

  it('HR_FLEXIBLE_LOW: income below the marginal threshold of the area; HR_STOPPED: not covered', async () => {
    const { actual, expected } = await run('hr', '2024-03-30', {
      'urban 1424.99': { payload: hr('FLEXIBLE', '2024-01-10', 1424.99), expect: ['HR_FLEXIBLE_LOW'] },
      'urban 1425 (at: not <)': { payload: hr('FLEXIBLE', '2024-01-10', 1425), expect: [] },
      'urban 1425.01': { payload: hr('FLEXIBLE', '2024-01-10', 1425.01), expect: [] },
      'rural 1124.99': {
        household: { area: 'RURAL' },
        payload: hr('FLEXIBLE', '2024-01-10', 1124.99),
        expect: ['HR_FLEXIBLE_LOW'],
      },
      'rural 1125': { household: { area: 'RURAL' }, payload: hr('FLEXIBLE', '2024-01-10', 1125), expect: [] },
      'income not given: no rule': { payload: hr('FLEXIBLE', '2024-01-10', null), expect: [] },
      'income 0': { payload: hr('FLEXIBLE', '2024-01-10', 0), expect: ['HR_FLEXIBLE_LOW'] },
      'flexible, DIBAO': {
        household: { status: 'DIBAO' },
        payload: hr('FLEXIBLE', '2024-01-10', 100),
        expect: [],
      },
      'flexible, MARGINAL': {
        household: { status: 'MARGINAL' },
        payload: hr('FLEXIBLE', '2024-01-10', 100),
        expect: ['HR_FLEXIBLE_LOW'],
      },
      'stopped, NONE': { payload: hr('STOPPED', '2023-01-01'), expect: ['HR_STOPPED'] },
      'stopped, MONITORED': {
        household: { status: 'MONITORED' },
        payload: hr('STOPPED', '2024-03-01'),
        expect: ['HR_STOPPED'],
      },
      'stopped, TEKUN': { household: { status: 'TEKUN' }, payload: hr('STOPPED', '2024-03-01'), expect: [] },
      'stopped, DIBAO': { household: { status: 'DIBAO' }, payload: hr('STOPPED', '2024-03-01'), expect: [] },
    });
    expect(actual).toEqual(expected);
  });

  it('uses the standard in force at the delivery period (URBAN 900 → 950 on 2023-07-01)', async () => {
    const before = await run('hr', '2023-06-30', {
      'income 1400, marginal 1350': { payload: hr('FLEXIBLE', '2023-06-01', 1400), expect: [] },
    });
    const after = await run('hr', '2023-07-01', {
      'income 1400, marginal 1425': {
        payload: hr('FLEXIBLE', '2023-06-01', 1400),
        expect: ['HR_FLEXIBLE_LOW'],
      },
    });
    expect(before.actual).toEqual(before.expected);
    expect(after.actual).toEqual(after.expected);
  });
});

describe('housing', () => {
  const house = (grade: string | null, properties: number | null) => ({
    town: '城关镇',
    safety_grade: grade,
    property_count: properties,
  });
  const two = (income: number | null, extra: HouseholdSpec = {}): HouseholdSpec => ({
    income,
    members: ['1980-01-01', '2010-01-01'],
    ...extra,
  });
  it('HOUSING_DANGER: grade C/D and per-capita ≤ marginal; ASSET_REVIEW: ≥ 2 properties and DIBAO or MARGINAL', async () => {
    const { actual, expected } = await run('housing', PERIOD, {
      'C, per capita 1424.99': {
        household: two(2849.98),
        payload: house('C', 1),
        expect: ['HOUSING_DANGER'],
      },
      'C, per capita 1425 (at)': { household: two(2850), payload: house('C', 1), expect: ['HOUSING_DANGER'] },
      'C, per capita 1425.01': { household: two(2850.02), payload: house('C', 1), expect: [] },
      'D, low income': { household: two(1000), payload: house('D', 0), expect: ['HOUSING_DANGER'] },
      'B, low income': { household: two(1000), payload: house('B', 0), expect: [] },
      'A, low income': { household: two(1000), payload: house('A', 0), expect: [] },
      'D, income unknown: no rule': { household: two(null), payload: house('D', 0), expect: [] },
      'rural D, 1125 (at)': {
        household: { area: 'RURAL', income: 1125 },
        payload: house('D', 0),
        expect: ['HOUSING_DANGER'],
      },
      'rural D, 1125.01': {
        household: { area: 'RURAL', income: 1125.01 },
        payload: house('D', 0),
        expect: [],
      },
      'D, DIBAO still': {
        household: two(1000, { status: 'DIBAO' }),
        payload: house('D', 1),
        expect: ['HOUSING_DANGER'],
      },
      '1 property, DIBAO': { household: { status: 'DIBAO' }, payload: house('A', 1), expect: [] },
      '2 properties, DIBAO': {
        household: { status: 'DIBAO' },
        payload: house('A', 2),
        expect: ['ASSET_REVIEW'],
      },
      '2 properties, MARGINAL': {
        household: { status: 'MARGINAL' },
        payload: house('A', 2),
        expect: ['ASSET_REVIEW'],
      },
      '2 properties, NONE': { household: { status: 'NONE' }, payload: house('A', 2), expect: [] },
      '2 properties, TEKUN': { household: { status: 'TEKUN' }, payload: house('A', 2), expect: [] },
      '3 properties, MONITORED': { household: { status: 'MONITORED' }, payload: house('A', 3), expect: [] },
      'count unknown, DIBAO': { household: { status: 'DIBAO' }, payload: house('A', null), expect: [] },
      'both rules': {
        household: two(1000, { status: 'DIBAO' }),
        payload: house('D', 2),
        expect: ['ASSET_REVIEW', 'HOUSING_DANGER'],
      },
    });
    expect(actual).toEqual(expected);
  });
});

describe('medical', () => {
  const med = (oop: number | null, serious = false, disabled = false) => ({
    out_of_pocket: oop,
    serious_illness: serious,
    severe_disability: disabled,
  });
  it('MED_EXPENSE: out-of-pocket ≥ max(10000, 50% of annual income); MED_SERIOUS: flag and not covered', async () => {
    const { actual, expected } = await run('medical', PERIOD, {
      // income 1000 → 50% of 12000 = 6000 → the floor 10000 applies
      'floor: 9999.99': { household: { income: 1000 }, payload: med(9999.99), expect: [] },
      'floor: 10000 (at)': { household: { income: 1000 }, payload: med(10000), expect: ['MED_EXPENSE'] },
      'floor: 10000.01': { household: { income: 1000 }, payload: med(10000.01), expect: ['MED_EXPENSE'] },
      // income 2000 → 50% of 24000 = 12000 > floor
      'share: 11999.99': { household: { income: 2000 }, payload: med(11999.99), expect: [] },
      'share: 12000 (at)': { household: { income: 2000 }, payload: med(12000), expect: ['MED_EXPENSE'] },
      'share: 12000.01': { household: { income: 2000 }, payload: med(12000.01), expect: ['MED_EXPENSE'] },
      'income 0: the floor': { household: { income: 0 }, payload: med(10000), expect: ['MED_EXPENSE'] },
      'income unknown: no rule': { household: { income: null }, payload: med(50000), expect: [] },
      'covered household too': {
        household: { income: 1000, status: 'DIBAO' },
        payload: med(20000),
        expect: ['MED_EXPENSE'],
      },
      'serious illness, NONE': { payload: med(0, true), expect: ['MED_SERIOUS'] },
      'severe disability, MARGINAL': {
        household: { status: 'MARGINAL' },
        payload: med(0, false, true),
        expect: ['MED_SERIOUS'],
      },
      'serious illness, MONITORED': {
        household: { status: 'MONITORED' },
        payload: med(0, true),
        expect: ['MED_SERIOUS'],
      },
      'serious illness, DIBAO': { household: { status: 'DIBAO' }, payload: med(0, true), expect: [] },
      'severe disability, TEKUN': {
        household: { status: 'TEKUN' },
        payload: med(0, false, true),
        expect: [],
      },
      'no flags': { payload: med(0), expect: [] },
      'flags unknown': {
        payload: { out_of_pocket: 0, serious_illness: null, severe_disability: null },
        expect: [],
      },
      'both rules': {
        household: { income: 1000 },
        payload: med(10000, true),
        expect: ['MED_EXPENSE', 'MED_SERIOUS'],
      },
    });
    expect(actual).toEqual(expected);
  });
});

describe('rural', () => {
  const rural = (risk: string) => ({
    monitoring_type: 'UNSTABLE',
    risk_state: risk,
    identified_on: '2023-05-01',
  });
  it('RURAL_RISK: risk unresolved and neither covered nor MARGINAL', async () => {
    const { actual, expected } = await run('rural', PERIOD, {
      'unresolved, NONE': { payload: rural('UNRESOLVED'), expect: ['RURAL_RISK'] },
      'unresolved, MONITORED': {
        household: { status: 'MONITORED' },
        payload: rural('UNRESOLVED'),
        expect: ['RURAL_RISK'],
      },
      'unresolved, MARGINAL': { household: { status: 'MARGINAL' }, payload: rural('UNRESOLVED'), expect: [] },
      'unresolved, DIBAO': { household: { status: 'DIBAO' }, payload: rural('UNRESOLVED'), expect: [] },
      'unresolved, TEKUN': { household: { status: 'TEKUN' }, payload: rural('UNRESOLVED'), expect: [] },
      'resolved, NONE': { payload: rural('RESOLVED'), expect: [] },
    });
    expect(actual).toEqual(expected);
  });
});

describe('which rows are evaluated', () => {
  const dropout = {
    school: 'x',
    stage: 'JUNIOR',
    status: 'DROPPED_OUT',
    annual_fees: null,
    aid_received: null,
  };
  it('only rows matched to a person (ID, FALLBACK, MANUAL)', async () => {
    const { actual, expected } = await run('education', '2024-03-30', {
      ID: { method: 'ID', payload: dropout, expect: ['EDU_DROPOUT'] },
      FALLBACK: { method: 'FALLBACK', payload: dropout, expect: ['EDU_DROPOUT'] },
      MANUAL: { method: 'MANUAL', payload: dropout, expect: ['EDU_DROPOUT'] },
      REVIEW: { method: 'REVIEW', payload: dropout, expect: [] },
      CONFLICT: { method: 'CONFLICT', payload: dropout, expect: [] },
    });
    expect(actual).toEqual(expected);
  });

  it('thresholds in force at the delivery period', async () => {
    const config = configWith({
      thresholds: [
        { effectiveFrom: '2020-01-01', values: {} },
        { effectiveFrom: '2024-01-01', values: { medExpenseFloor: 12000 } },
      ],
    });
    const med = { out_of_pocket: 10000, serious_illness: false, severe_disability: false };
    const old = await run(
      'medical',
      '2023-12-31',
      { 'floor 10000': { household: { income: 1000 }, payload: med, expect: ['MED_EXPENSE'] } },
      config,
    );
    const now = await run(
      'medical',
      '2024-01-01',
      { 'floor 12000': { household: { income: 1000 }, payload: med, expect: [] } },
      config,
    );
    expect(old.actual).toEqual(old.expected);
    expect(now.actual).toEqual(now.expected);
  });
});
