// The oracle's own edges (domain §4), so that the end-to-end test compares the pipeline with
// something that is right: each rule just below, at and just above its threshold, each status,
// each date window; and agreement with the edges the generator planted on purpose.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeploymentConfig, repoRoot, resolveFromRoot } from '@ew/config';
import { generate } from '../generator/index.ts';
import { ageOn, daysBetween, Rational } from './exact.ts';
import {
  expectedAlerts,
  expectedStandardChange,
  FEEDS,
  loadFeedTruth,
  loadRegisterTruth,
  qualifiesIncomeMarginal,
  rowCodes,
  standardInForce,
  type AreaType,
  type Feed,
  type RegisterHousehold,
  type RegisterPerson,
  type RegisterTruth,
  type Status,
} from './expected-signals.ts';

const config = loadDeploymentConfig(resolveFromRoot(repoRoot(), 'infra/config/deployment.yaml'));
const PERIOD = '2023-03-31';

function household(
  income: string | null,
  members = 2,
  status: Status = 'NONE',
  areaType: AreaType = 'URBAN',
  refusedOn: string | null = null,
): RegisterHousehold {
  return {
    householdNo: `H-${income}-${members}-${status}-${areaType}-${refusedOn}`,
    town: 'T',
    areaType,
    members,
    monthlyIncome: income === null ? null : Rational.of(income),
    status,
    refusedOn,
    incomeBand: '',
  };
}
const person = (birthDate = '1980-06-15'): RegisterPerson => ({
  id: 'P',
  name: '张三',
  birthDate,
  gender: 'M',
  householdNo: 'H',
  relation: 'HEAD',
  town: 'T',
});
const codes = (
  feed: Feed,
  values: Record<string, unknown>,
  hh: RegisterHousehold,
  p = person(),
  period = PERIOD,
  medExpenseMissingIncome: 'no-signal' | 'floor' = 'no-signal',
) => rowCodes(feed, values, p, hh, period, config, { medExpenseMissingIncome }).codes;

describe('exact arithmetic', () => {
  it('decides decimals exactly', () => {
    expect(Rational.of(0.1).add(Rational.of(0.2)).cmp(Rational.of('0.3'))).toBe(0);
    expect(Rational.of('8116.70').cmp(Rational.of(8116.7))).toBe(0);
    expect(Rational.of(900).mul(Rational.of(1.5)).toFixed(2)).toBe('1350.00');
    expect(Rational.of('1349.99').lt(Rational.of(1350))).toBe(true);
    expect(Rational.of(-3).toFixed(0)).toBe('-3');
    expect(Rational.of(1e21).toFixed(0)).toBe('1000000000000000000000');
  });
  it('counts days and completed years', () => {
    expect(daysBetween('2022-12-31', '2023-03-31')).toBe(90);
    expect(daysBetween('2023-03-31', '2023-03-31')).toBe(0);
    expect(ageOn('2007-03-31', '2023-03-31')).toBe(16);
    expect(ageOn('2007-04-01', '2023-03-31')).toBe(15);
    expect(ageOn('2004-02-29', '2023-02-28')).toBe(18);
  });
});

describe('feed rules at their edges (URBAN, standard 900, marginal 1,350 on 2023-03-31)', () => {
  it('EDU_DROPOUT on 辍学 only', () => {
    expect(codes('education', { status: 'DROPPED_OUT' }, household(null))).toEqual(['EDU_DROPOUT']);
    expect(codes('education', { status: 'SUSPENDED' }, household(null))).toEqual([]);
  });
  it('EDU_EXPENSE: (fees − aid) > 30 % of 12 × income, strictly', () => {
    // income 2,700 → annual 32,400 → 30 % = 9,720
    const hh = household('2700');
    expect(codes('education', { annual_fees: 10720, aid_received: 1000 }, hh)).toEqual([]);
    expect(codes('education', { annual_fees: 10720.01, aid_received: 1000 }, hh)).toEqual(['EDU_EXPENSE']);
    expect(codes('education', { annual_fees: 9720.01, aid_received: null }, hh)).toEqual(['EDU_EXPENSE']);
    expect(codes('education', { annual_fees: null, aid_received: 0 }, hh)).toEqual([]);
    expect(codes('education', { annual_fees: 0.01, aid_received: 0 }, household('0'))).toEqual([
      'EDU_EXPENSE',
    ]);
    expect(codes('education', { annual_fees: 99999, aid_received: 0 }, household(null))).toEqual([]);
  });
  it('HR_UNEMPLOYED: within 90 days, aged 16–60 at the period, household not covered', () => {
    const u = (date: string) => ({ event: 'UNEMPLOYED', event_date: date, monthly_income: null });
    const hh = household('5000');
    expect(codes('hr', u('2022-12-31'), hh)).toEqual(['HR_UNEMPLOYED']); // 90 days
    expect(codes('hr', u('2022-12-30'), hh)).toEqual([]); // 91
    expect(codes('hr', u('2023-03-31'), hh)).toEqual(['HR_UNEMPLOYED']); // 0
    expect(codes('hr', u('2023-04-01'), hh)).toEqual([]); // −1
    expect(codes('hr', u('2023-03-01'), hh, person('2007-03-31'))).toEqual(['HR_UNEMPLOYED']); // 16
    expect(codes('hr', u('2023-03-01'), hh, person('2007-04-01'))).toEqual([]); // 15
    expect(codes('hr', u('2023-03-01'), hh, person('1962-04-01'))).toEqual(['HR_UNEMPLOYED']); // 60
    expect(codes('hr', u('2023-03-01'), hh, person('1962-03-31'))).toEqual([]); // 61
    expect(codes('hr', u('2023-03-01'), household('5000', 2, 'DIBAO'))).toEqual([]);
    expect(codes('hr', u('2023-03-01'), household('5000', 2, 'TEKUN'))).toEqual([]);
    expect(codes('hr', u('2023-03-01'), household('5000', 2, 'MARGINAL'))).toEqual(['HR_UNEMPLOYED']);
  });
  it('HR_FLEXIBLE_LOW: income below the marginal threshold of the period, not covered', () => {
    const f = (income: number | null) => ({
      event: 'FLEXIBLE',
      event_date: '2022-01-01',
      monthly_income: income,
    });
    expect(codes('hr', f(1349.99), household('9000'))).toEqual(['HR_FLEXIBLE_LOW']);
    expect(codes('hr', f(1350), household('9000'))).toEqual([]);
    expect(codes('hr', f(null), household('9000'))).toEqual([]);
    expect(codes('hr', f(1049.99), household('9000', 2, 'NONE', 'RURAL'))).toEqual(['HR_FLEXIBLE_LOW']);
    expect(codes('hr', f(1050), household('9000', 2, 'NONE', 'RURAL'))).toEqual([]);
    expect(codes('hr', f(100), household('9000', 2, 'DIBAO'))).toEqual([]);
    // the standard in force at the period: 950 × 1.5 = 1,425 from 2023-07-01
    expect(codes('hr', f(1400), household('9000'), person(), '2023-06-30')).toEqual([]);
    expect(codes('hr', f(1400), household('9000'), person(), '2023-07-01')).toEqual(['HR_FLEXIBLE_LOW']);
  });
  it('HR_STOPPED: 停保, not covered', () => {
    const s = { event: 'STOPPED', event_date: '2020-01-01', monthly_income: null };
    expect(codes('hr', s, household('1'))).toEqual(['HR_STOPPED']);
    expect(codes('hr', s, household('1', 2, 'TEKUN'))).toEqual([]);
    expect(codes('hr', { ...s, event: 'EMPLOYED' }, household('1'))).toEqual([]);
  });
  it('HOUSING_DANGER: grade C or D and per-capita ≤ marginal; ASSET_REVIEW: ≥ 2 properties, DIBAO or MARGINAL', () => {
    expect(codes('housing', { safety_grade: 'C', property_count: 1 }, household('2700'))).toEqual([
      'HOUSING_DANGER',
    ]);
    expect(codes('housing', { safety_grade: 'D', property_count: 1 }, household('2700.02'))).toEqual([]);
    expect(codes('housing', { safety_grade: 'B', property_count: 1 }, household('0'))).toEqual([]);
    expect(codes('housing', { safety_grade: 'D', property_count: 0 }, household(null))).toEqual([]);
    expect(codes('housing', { safety_grade: 'A', property_count: 2 }, household('9000', 2, 'DIBAO'))).toEqual(
      ['ASSET_REVIEW'],
    );
    expect(
      codes('housing', { safety_grade: 'A', property_count: 2 }, household('9000', 2, 'MARGINAL')),
    ).toEqual(['ASSET_REVIEW']);
    expect(codes('housing', { safety_grade: 'A', property_count: 1 }, household('9000', 2, 'DIBAO'))).toEqual(
      [],
    );
    expect(codes('housing', { safety_grade: 'A', property_count: 4 }, household('9000', 2, 'TEKUN'))).toEqual(
      [],
    );
    expect(codes('housing', { safety_grade: 'A', property_count: 4 }, household('9000', 2, 'NONE'))).toEqual(
      [],
    );
  });
  it('MED_EXPENSE: out-of-pocket ≥ max(10,000, 50 % of 12 × income); MED_SERIOUS: a flag, not covered', () => {
    const m = (oop: number) => ({ out_of_pocket: oop, serious_illness: false, severe_disability: false });
    expect(codes('medical', m(16200), household('2700'))).toEqual(['MED_EXPENSE']);
    expect(codes('medical', m(16199.99), household('2700'))).toEqual([]);
    expect(codes('medical', m(10000), household('1000'))).toEqual(['MED_EXPENSE']);
    expect(codes('medical', m(9999.99), household('1000'))).toEqual([]);
    expect(codes('medical', m(50000), household(null))).toEqual([]);
    expect(codes('medical', m(50000), household(null), person(), PERIOD, 'floor')).toEqual(['MED_EXPENSE']);
    const flagged = { out_of_pocket: 0, serious_illness: true, severe_disability: null };
    expect(codes('medical', flagged, household('1'))).toEqual(['MED_SERIOUS']);
    expect(
      codes('medical', { ...flagged, serious_illness: false, severe_disability: true }, household('1')),
    ).toEqual(['MED_SERIOUS']);
    expect(codes('medical', flagged, household('1', 1, 'DIBAO'))).toEqual([]);
  });
  it('RURAL_RISK: 风险未消除, status neither covered nor MARGINAL', () => {
    expect(codes('rural', { risk_state: 'UNRESOLVED' }, household('1', 1, 'MONITORED'))).toEqual([
      'RURAL_RISK',
    ]);
    expect(codes('rural', { risk_state: 'UNRESOLVED' }, household('1', 1, 'NONE'))).toEqual(['RURAL_RISK']);
    expect(codes('rural', { risk_state: 'UNRESOLVED' }, household('1', 1, 'MARGINAL'))).toEqual([]);
    expect(codes('rural', { risk_state: 'UNRESOLVED' }, household('1', 1, 'DIBAO'))).toEqual([]);
    expect(codes('rural', { risk_state: 'RESOLVED' }, household('1', 1, 'NONE'))).toEqual([]);
  });
});

describe('register rules', () => {
  const at = (date: string) => standardInForce(config, 'URBAN', date);
  it('INCOME_MARGINAL: standard < per-capita ≤ marginal, status NONE', () => {
    expect(qualifiesIncomeMarginal(household('1800'), at(PERIOD))).toBe(false); // 900: not above
    expect(qualifiesIncomeMarginal(household('1800.02'), at(PERIOD))).toBe(true);
    expect(qualifiesIncomeMarginal(household('2700'), at(PERIOD))).toBe(true); // 1,350
    expect(qualifiesIncomeMarginal(household('2700.02'), at(PERIOD))).toBe(false);
    expect(qualifiesIncomeMarginal(household('2000', 2, 'MARGINAL'), at(PERIOD))).toBe(false);
    expect(qualifiesIncomeMarginal(household(null), at(PERIOD))).toBe(false);
  });
  it('a standard change raises the households that newly qualify, and only those', () => {
    const hh = (income: string) => household(income, 1);
    const register: RegisterTruth = {
      persons: new Map(),
      households: new Map(
        [
          hh('1400'),
          hh('1425'),
          hh('1425.01'),
          hh('1350'),
          hh('920'),
          hh('1000'),
          household('1400', 1, 'NONE', 'RURAL'),
        ].map((h) => [h.householdNo, h]),
      ),
    };
    expect(expectedStandardChange(register, config, 'URBAN', '2023-07-01').map((s) => s.householdNo)).toEqual(
      [hh('1400'), hh('1425')].map((h) => h.householdNo).sort(),
    );
  });
});

describe('household alerts', () => {
  const register: RegisterTruth = {
    persons: new Map(),
    households: new Map([
      ['A', { ...household('1'), householdNo: 'A' }],
      ['R', { ...household('1', 2, 'NONE', 'URBAN', '2022-05-01'), householdNo: 'R' }],
    ]),
  };
  const sig = (householdNo: string, code: string, period: string, severity: 'low' | 'medium' | 'high') => ({
    householdNo,
    code,
    period,
    severity,
  });
  it('highest severity; compound within 90 days; prior refusal one level up', () => {
    const one = expectedAlerts([sig('A', 'HR_STOPPED', PERIOD, 'low')], register, config).get('A');
    expect(one).toMatchObject({ severity: 'low', compound: false });
    const compound = expectedAlerts(
      [sig('A', 'HR_STOPPED', '2023-01-01', 'low'), sig('A', 'HR_FLEXIBLE_LOW', '2023-04-01', 'low')],
      register,
      config,
    ).get('A');
    expect(compound).toMatchObject({ severity: 'high', compound: true }); // 90 days apart
    const apart = expectedAlerts(
      [sig('A', 'HR_STOPPED', '2023-01-01', 'low'), sig('A', 'HR_FLEXIBLE_LOW', '2023-04-02', 'low')],
      register,
      config,
    ).get('A');
    expect(apart).toMatchObject({ severity: 'low', compound: false }); // 91 days
    const same = expectedAlerts(
      [sig('A', 'HR_STOPPED', PERIOD, 'low'), sig('A', 'HR_STOPPED', '2023-04-30', 'low')],
      register,
      config,
    ).get('A');
    expect(same).toMatchObject({ severity: 'low', compound: false }); // one code twice
    expect(expectedAlerts([sig('R', 'HR_STOPPED', PERIOD, 'low')], register, config).get('R')).toMatchObject({
      severity: 'medium',
      priorRefused: true,
    });
    expect(
      expectedAlerts([sig('R', 'RURAL_RISK', PERIOD, 'high')], register, config).get('R')?.severity,
    ).toBe('high');
  });
});

describe('agreement with the edges the generator planted', () => {
  it('every plant whose outcome the generator fixes is decided the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ew-oracle-'));
    try {
      await generate({ out: dir, persons: 2000, seed: 7 });
      const register = loadRegisterTruth(join(dir, 'truth'));
      // plant → must the code fire? (null: depends on more than the plant, e.g. a covered household)
      const fixed = (plant: string): boolean | null => {
        const [code, mode] = plant.split(':');
        if (code === 'EDU_EXPENSE') return mode === 'edge-equal' ? false : null; // strict >; fees may be emptied
        if (code === 'HR_UNEMPLOYED')
          return ['age-15', 'age-61', 'days-91', 'days--1'].includes(mode ?? '') ? false : null;
        if (code === 'HR_FLEXIBLE_LOW') return mode === 'edge-equal' ? false : null;
        if (code === 'MED_EXPENSE') return mode === 'edge-below' ? false : true;
        if (code === 'MED_SERIOUS') return null; // planted for covered households too
        return true; // EDU_DROPOUT, HR_STOPPED, HOUSING_DANGER, ASSET_REVIEW, RURAL_RISK
      };
      const disagreements: string[] = [];
      let checked = 0;
      for (const feed of FEEDS) {
        for (const line of loadFeedTruth(join(dir, 'truth'), feed)) {
          if (line.expected !== 'id' && line.expected !== 'fallback') continue;
          const p = register.persons.get(line.personId ?? '')!;
          const hh = register.households.get(p.householdNo)!;
          const fired = rowCodes(feed, line.values, p, hh, PERIOD, config).codes;
          for (const plant of line.plants) {
            const want = fixed(plant);
            if (want === null) continue;
            checked++;
            if (fired.includes(plant.split(':')[0] ?? '') !== want)
              disagreements.push(`${feed} row ${line.row} ${plant}: ${JSON.stringify(line.values)}`);
          }
        }
      }
      expect(checked).toBeGreaterThan(300);
      expect(disagreements).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
