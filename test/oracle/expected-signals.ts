// An independent oracle for domain §4 (early-warning rules), computed from the generator's ground
// truth alone: truth/<feed>.jsonl (clean values of every row and its expected matching outcome),
// truth/persons.csv and truth/households.csv, plus the deployment config (standards, factor,
// thresholds). Written from the spec, not from the product's rule code: it shares nothing with
// services/worker/src/rules but the config loader.
//
// What it decides, per domain §4:
//   - which rows reach the rules: expected outcome `id` or `fallback` (matched to the true person);
//     duplicates (duplicateOf set) are never matched themselves and add nothing, since a signal
//     is unique per (feed, person, code, source period) — the oracle returns a set;
//   - for each such row, which rule codes fire, with the thresholds in force at the feed's period,
//     ages in completed years at the period, the 90-day windows as 0 ≤ period − date ≤ 90, the
//     low-income standard in force at the period per area type, the marginal threshold =
//     factor × standard, per-capita income = monthly income / members, annual = 12 × monthly;
//     all comparisons exact (rational arithmetic);
//   - household alert severities: the highest severity of its signals; high when at least
//     `compoundMinCodes` distinct codes fall within `compoundWindowDays`; one level up when the
//     household was refused before (PRIOR_REFUSED);
//   - INCOME_MARGINAL for a standard change: the households that qualify under the new standard
//     and did not under the one in force the day before.
//
// Missing values (the spec does not say; the oracle's reading, documented in the report):
//   - an empty household income makes every income comparison unknown → the rule does not fire
//     (EDU_EXPENSE, HOUSING_DANGER, INCOME_MARGINAL). For MED_EXPENSE the reading is a choice
//     (`medExpenseMissingIncome`): 'no-signal' (default) or 'floor' (only the 10,000 floor applies);
//     rows where the two readings differ are listed in `ambiguous`.
//   - an empty aid amount (education) is no aid (0); empty fees → no EDU_EXPENSE.
//   - an empty monthly income with 灵活就业 → no HR_FLEXIBLE_LOW (nothing is known to be below).
//   - empty serious-illness / disability flags are "not flagged".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentConfig, ThresholdValues } from '@ew/config';
import type { TruthLine } from '../generator/truth.ts';
import { addDays, ageOn, daysBetween, Rational } from './exact.ts';

export const FEEDS = ['education', 'hr', 'housing', 'medical', 'rural'] as const;
export type Feed = (typeof FEEDS)[number];
export type Severity = 'low' | 'medium' | 'high';
export type Status = 'DIBAO' | 'TEKUN' | 'MARGINAL' | 'MONITORED' | 'NONE';
export type AreaType = 'URBAN' | 'RURAL';

/** Domain §4, the severity column. */
export const CODE_SEVERITY: Readonly<Record<string, Severity>> = {
  EDU_DROPOUT: 'high',
  EDU_EXPENSE: 'medium',
  HR_UNEMPLOYED: 'medium',
  HR_FLEXIBLE_LOW: 'low',
  HR_STOPPED: 'low',
  HOUSING_DANGER: 'high',
  ASSET_REVIEW: 'medium',
  MED_EXPENSE: 'high',
  MED_SERIOUS: 'medium',
  RURAL_RISK: 'high',
  INCOME_MARGINAL: 'medium',
};

export const FEED_CODES: Readonly<Record<Feed, readonly string[]>> = {
  education: ['EDU_DROPOUT', 'EDU_EXPENSE'],
  hr: ['HR_UNEMPLOYED', 'HR_FLEXIBLE_LOW', 'HR_STOPPED'],
  housing: ['HOUSING_DANGER', 'ASSET_REVIEW'],
  medical: ['MED_EXPENSE', 'MED_SERIOUS'],
  rural: ['RURAL_RISK'],
};

// ---- ground truth ---------------------------------------------------------------------------------

export interface RegisterPerson {
  id: string;
  name: string;
  birthDate: string | null;
  gender: string;
  householdNo: string;
  relation: string;
  town: string;
}

export interface RegisterHousehold {
  householdNo: string;
  town: string;
  areaType: AreaType;
  members: number;
  /** Monthly household income (CNY), exact; null when the register leaves it empty. */
  monthlyIncome: Rational | null;
  status: Status;
  refusedOn: string | null;
  incomeBand: string;
}

export interface RegisterTruth {
  persons: Map<string, RegisterPerson>;
  households: Map<string, RegisterHousehold>;
}

function readCsv(path: string): Array<Record<string, string>> {
  // the generator's truth CSVs hold no quotes or commas inside cells (checked)
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = (lines.shift() ?? '').split(',');
  return lines.map((line) => {
    if (line.includes('"')) throw new Error(`${path}: quoted cells are not expected: ${line}`);
    const cells = line.split(',');
    if (cells.length !== header.length)
      throw new Error(`${path}: ${cells.length} cells, header has ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

export function loadRegisterTruth(truthDir: string): RegisterTruth {
  const households = new Map<string, RegisterHousehold>();
  for (const r of readCsv(join(truthDir, 'households.csv'))) {
    const no = r['household_no'] ?? '';
    households.set(no, {
      householdNo: no,
      town: r['town'] ?? '',
      areaType: r['area_type'] as AreaType,
      members: Number(r['members']),
      monthlyIncome: r['monthly_income'] ? Rational.of(r['monthly_income']) : null,
      status: r['status'] as Status,
      refusedOn: r['refused_on'] || null,
      incomeBand: r['income_band'] ?? '',
    });
  }
  const persons = new Map<string, RegisterPerson>();
  for (const r of readCsv(join(truthDir, 'persons.csv'))) {
    const id = r['id'] ?? '';
    persons.set(id, {
      id,
      name: r['name'] ?? '',
      birthDate: r['birth_date'] || null,
      gender: r['gender'] ?? '',
      householdNo: r['household_no'] ?? '',
      relation: r['relation'] ?? '',
      town: r['town'] ?? '',
    });
  }
  // members are counted from persons.csv as a cross-check of households.csv
  const counted = new Map<string, number>();
  for (const p of persons.values()) counted.set(p.householdNo, (counted.get(p.householdNo) ?? 0) + 1);
  for (const h of households.values()) {
    if ((counted.get(h.householdNo) ?? 0) !== h.members) {
      throw new Error(
        `households.csv: ${h.householdNo} has ${h.members} members, persons.csv lists ${counted.get(h.householdNo) ?? 0}`,
      );
    }
  }
  return { persons, households };
}

export function loadFeedTruth(truthDir: string, feed: string): TruthLine[] {
  return readFileSync(join(truthDir, `${feed}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TruthLine);
}

// ---- config ---------------------------------------------------------------------------------------

export interface StandardAt {
  /** Monthly standard per person. */
  standard: Rational;
  /** factor × standard. */
  marginal: Rational;
  effectiveFrom: string;
}

/** The low-income standard in force for `areaType` on `date`: the latest effectiveFrom ≤ date. */
export function standardInForce(
  config: DeploymentConfig,
  areaType: AreaType,
  date: string,
): StandardAt | null {
  let best: { monthlyPerPerson: number; effectiveFrom: string } | null = null;
  for (const s of config.lowIncomeStandards) {
    if (s.areaType !== areaType || s.effectiveFrom > date) continue;
    if (best === null || s.effectiveFrom > best.effectiveFrom) best = s;
  }
  if (best === null) return null;
  // domain §4: the factor is never lower than 1.5
  const factor = Rational.max(Rational.of(config.marginalFactor), Rational.of('1.5'));
  const standard = Rational.of(best.monthlyPerPerson);
  return { standard, marginal: standard.mul(factor), effectiveFrom: best.effectiveFrom };
}

/** The threshold values in force on `date`: the version with the latest effectiveFrom ≤ date. */
export function thresholdsInForce(config: DeploymentConfig, date: string): ThresholdValues {
  let best: { effectiveFrom: string; values: ThresholdValues } | null = null;
  for (const v of config.thresholds) {
    if (v.effectiveFrom <= date && (best === null || v.effectiveFrom > best.effectiveFrom)) best = v;
  }
  if (best === null) throw new Error(`no thresholds in force on ${date}`);
  return best.values;
}

// ---- feed rules -----------------------------------------------------------------------------------

export interface ExpectedSignal {
  feed: string;
  code: string;
  /** Source period (the feed's as-of date). */
  period: string;
  /** The person's ID number; null for household-level (register) signals. */
  personId: string | null;
  householdNo: string;
  severity: Severity;
  /** The truth rows that give rise to it (one signal, perhaps several rows). */
  rows: number[];
}

export interface OracleOptions {
  /** How MED_EXPENSE treats a household without an income (see the header). */
  medExpenseMissingIncome?: 'no-signal' | 'floor';
  /** Only these rows reach the rules (e.g. new/changed rows of a later delivery). */
  rowFilter?: (line: TruthLine) => boolean;
}

export interface FeedOracle {
  signals: ExpectedSignal[];
  /** Rows where the two readings of a missing household income give different answers. */
  ambiguous: Array<{ row: number; code: string; why: string }>;
  /** Rows that reached the rules (id / fallback, not duplicates, passing the filter). */
  evaluatedRows: number;
}

export function signalKey(s: {
  feed: string;
  personId: string | null;
  householdNo?: string;
  code: string;
  period: string;
}): string {
  return `${s.feed}|${s.personId ?? `household:${s.householdNo ?? '?'}`}|${s.code}|${s.period}`;
}

const COVERED: ReadonlySet<Status> = new Set(['DIBAO', 'TEKUN']);

function amount(v: unknown): Rational | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'number' && typeof v !== 'string') throw new Error(`not an amount: ${JSON.stringify(v)}`);
  return Rational.of(v);
}

/** Rule codes that fire for one row about `person` in household `hh`, at `period`. */
export function rowCodes(
  feed: Feed,
  values: Record<string, unknown>,
  person: RegisterPerson,
  hh: RegisterHousehold,
  period: string,
  config: DeploymentConfig,
  options: OracleOptions = {},
): { codes: string[]; ambiguous: Array<{ code: string; why: string }> } {
  const t = thresholdsInForce(config, period);
  const std = standardInForce(config, hh.areaType, period);
  if (std === null) throw new Error(`no ${hh.areaType} standard in force on ${period}`);
  const covered = COVERED.has(hh.status);
  const income = hh.monthlyIncome; // monthly, exact, or null
  const annual = income === null ? null : income.mul(12);
  const codes: string[] = [];
  const ambiguous: Array<{ code: string; why: string }> = [];

  switch (feed) {
    case 'education': {
      if (values['status'] === 'DROPPED_OUT') codes.push('EDU_DROPOUT');
      const fees = amount(values['annual_fees']);
      const aid = amount(values['aid_received']) ?? Rational.of(0);
      if (fees !== null && annual !== null) {
        // (fees − aid) > share × annual income   (strict)
        if (fees.sub(aid).gt(annual.mul(Rational.of(t.eduExpenseShareOfAnnualIncome))))
          codes.push('EDU_EXPENSE');
      }
      break;
    }
    case 'hr': {
      const event = values['event'];
      if (event === 'UNEMPLOYED' && !covered) {
        const date = values['event_date'];
        const birth = person.birthDate;
        if (typeof date === 'string' && birth !== null) {
          const days = daysBetween(date, period); // period − event date
          const age = ageOn(birth, period);
          if (
            days >= 0 &&
            days <= t.hrUnemployedWindowDays &&
            age >= t.hrUnemployedMinAge &&
            age <= t.hrUnemployedMaxAge
          ) {
            codes.push('HR_UNEMPLOYED');
          }
        }
      }
      if (event === 'FLEXIBLE' && !covered) {
        const monthly = amount(values['monthly_income']);
        if (monthly !== null && monthly.lt(std.marginal)) codes.push('HR_FLEXIBLE_LOW');
      }
      if (event === 'STOPPED' && !covered) codes.push('HR_STOPPED');
      break;
    }
    case 'housing': {
      const grade = values['safety_grade'];
      if ((grade === 'C' || grade === 'D') && income !== null && hh.members > 0) {
        // per-capita ≤ marginal  ⇔  income / members ≤ marginal
        if (income.div(hh.members).le(std.marginal)) codes.push('HOUSING_DANGER');
      }
      const count = values['property_count'];
      if (
        typeof count === 'number' &&
        count >= t.assetReviewMinProperties &&
        (hh.status === 'DIBAO' || hh.status === 'MARGINAL')
      ) {
        codes.push('ASSET_REVIEW');
      }
      break;
    }
    case 'medical': {
      const oop = amount(values['out_of_pocket']);
      const floor = Rational.of(t.medExpenseFloor);
      if (oop !== null) {
        if (annual !== null) {
          const threshold = Rational.max(floor, annual.mul(Rational.of(t.medExpenseShareOfAnnualIncome)));
          if (oop.ge(threshold)) codes.push('MED_EXPENSE');
        } else if (oop.ge(floor)) {
          ambiguous.push({ code: 'MED_EXPENSE', why: 'out-of-pocket ≥ floor, household income empty' });
          if (options.medExpenseMissingIncome === 'floor') codes.push('MED_EXPENSE');
        }
      }
      if ((values['serious_illness'] === true || values['severe_disability'] === true) && !covered)
        codes.push('MED_SERIOUS');
      break;
    }
    case 'rural': {
      if (values['risk_state'] === 'UNRESOLVED' && !covered && hh.status !== 'MARGINAL')
        codes.push('RURAL_RISK');
      break;
    }
  }
  return { codes, ambiguous };
}

/** The signals a feed delivery must raise, from its truth rows. */
export function expectedFeedSignals(
  feed: Feed,
  period: string,
  truth: readonly TruthLine[],
  register: RegisterTruth,
  config: DeploymentConfig,
  options: OracleOptions = {},
): FeedOracle {
  const byKey = new Map<string, ExpectedSignal>();
  const ambiguous: FeedOracle['ambiguous'] = [];
  let evaluatedRows = 0;
  for (const line of truth) {
    if (line.expected !== 'id' && line.expected !== 'fallback') continue;
    if (line.duplicateOf !== null) continue; // not matched itself; its original carries the signal
    if (options.rowFilter && !options.rowFilter(line)) continue;
    evaluatedRows++;
    const person = line.personId === null ? undefined : register.persons.get(line.personId);
    if (person === undefined)
      throw new Error(`${feed} row ${line.row}: person ${line.personId} is not in persons.csv`);
    const hh = register.households.get(person.householdNo);
    if (hh === undefined) throw new Error(`${feed} row ${line.row}: household ${person.householdNo} missing`);
    const { codes, ambiguous: amb } = rowCodes(feed, line.values, person, hh, period, config, options);
    for (const a of amb) ambiguous.push({ row: line.row, ...a });
    for (const code of codes) {
      const s: ExpectedSignal = {
        feed,
        code,
        period,
        personId: person.id,
        householdNo: hh.householdNo,
        severity: CODE_SEVERITY[code] ?? 'low',
        rows: [line.row],
      };
      const key = signalKey(s);
      const known = byKey.get(key);
      if (known) known.rows.push(line.row);
      else byKey.set(key, s);
    }
  }
  return { signals: [...byKey.values()], ambiguous, evaluatedRows };
}

export function countByCode(signals: ReadonlyArray<{ code: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of signals) out[s.code] = (out[s.code] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

// ---- INCOME_MARGINAL and the standard change --------------------------------------------------------

/** standard < per-capita income ≤ marginal threshold, and status NONE. Unknown income: no. */
export function qualifiesIncomeMarginal(hh: RegisterHousehold, std: StandardAt | null): boolean {
  if (std === null || hh.status !== 'NONE' || hh.monthlyIncome === null || hh.members <= 0) return false;
  const perCapita = hh.monthlyIncome.div(hh.members);
  return std.standard.lt(perCapita) && perCapita.le(std.marginal);
}

/**
 * INCOME_MARGINAL from a register snapshot, judged under the standard in force at `asOf` (the
 * snapshot's as-of date): on the first snapshot (`before` null) every qualifying household; on a
 * later one, the households that qualify now and did not before (income, members or status
 * changed, or the household is new) — a signal fires on what changed, not again on what was known.
 */
export function expectedRegisterIncome(
  now: RegisterTruth,
  before: RegisterTruth | null,
  config: DeploymentConfig,
  asOf: string,
): ExpectedSignal[] {
  const out: ExpectedSignal[] = [];
  for (const hh of now.households.values()) {
    const std = standardInForce(config, hh.areaType, asOf);
    if (!qualifiesIncomeMarginal(hh, std)) continue;
    const earlier = before?.households.get(hh.householdNo);
    if (
      before !== null &&
      earlier !== undefined &&
      qualifiesIncomeMarginal(earlier, standardInForce(config, earlier.areaType, asOf))
    )
      continue;
    out.push({
      feed: 'register',
      code: 'INCOME_MARGINAL',
      period: asOf,
      personId: null,
      householdNo: hh.householdNo,
      severity: 'medium',
      rows: [],
    });
  }
  return out.sort((a, b) => a.householdNo.localeCompare(b.householdNo));
}

/**
 * The households of `areaType` a new standard taking effect on `effectiveFrom` newly brings under
 * INCOME_MARGINAL: qualifying under it, not under the standard in force the day before.
 */
export function expectedStandardChange(
  register: RegisterTruth,
  config: DeploymentConfig,
  areaType: AreaType,
  effectiveFrom: string,
): ExpectedSignal[] {
  const now = standardInForce(config, areaType, effectiveFrom);
  const before = standardInForce(config, areaType, addDays(effectiveFrom, -1));
  const out: ExpectedSignal[] = [];
  for (const hh of register.households.values()) {
    if (hh.areaType !== areaType) continue;
    if (qualifiesIncomeMarginal(hh, now) && !qualifiesIncomeMarginal(hh, before)) {
      out.push({
        feed: 'register',
        code: 'INCOME_MARGINAL',
        period: effectiveFrom,
        personId: null,
        householdNo: hh.householdNo,
        severity: 'medium',
        rows: [],
      });
    }
  }
  return out.sort((a, b) => a.householdNo.localeCompare(b.householdNo));
}

// ---- household alerts --------------------------------------------------------------------------------

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };
const BY_RANK: readonly Severity[] = ['low', 'medium', 'high'];

export interface ExpectedAlert {
  householdNo: string;
  severity: Severity;
  base: Severity;
  codes: string[];
  compound: boolean;
  priorRefused: boolean;
}

/**
 * One alert per household with signals (no task closed, so nothing suppressed): the highest
 * signal severity; high when ≥ compoundMinCodes distinct codes have source periods within
 * compoundWindowDays of each other; one level up when the household was refused before.
 * (Severity is never lowered, so this is the severity after the last signal arrived.)
 */
export function expectedAlerts(
  signals: ReadonlyArray<Pick<ExpectedSignal, 'householdNo' | 'code' | 'period' | 'severity'>>,
  register: RegisterTruth,
  config: DeploymentConfig,
): Map<string, ExpectedAlert> {
  const byHousehold = new Map<string, Array<Pick<ExpectedSignal, 'code' | 'period' | 'severity'>>>();
  for (const s of signals) {
    const list = byHousehold.get(s.householdNo) ?? [];
    list.push(s);
    byHousehold.set(s.householdNo, list);
  }
  const out = new Map<string, ExpectedAlert>();
  for (const [householdNo, list] of byHousehold) {
    const hh = register.households.get(householdNo);
    let base: Severity = 'low';
    for (const s of list) if (RANK[s.severity] > RANK[base]) base = s.severity;
    let compound = false;
    for (const start of list) {
      const t = thresholdsInForce(config, start.period);
      const codes = new Set(
        list
          .filter((s) => {
            const d = daysBetween(start.period, s.period);
            return d >= 0 && d <= t.compoundWindowDays;
          })
          .map((s) => s.code),
      );
      if (codes.size >= t.compoundMinCodes) compound = true;
    }
    let severity: Severity = compound ? 'high' : base;
    const priorRefused = hh?.refusedOn != null;
    if (priorRefused) severity = BY_RANK[Math.min(RANK[severity] + 1, 2)] ?? 'high';
    out.set(householdNo, {
      householdNo,
      severity,
      base,
      codes: [...new Set(list.map((s) => s.code))].sort(),
      compound,
      priorRefused,
    });
  }
  return out;
}
