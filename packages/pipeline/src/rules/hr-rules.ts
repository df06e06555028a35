// 人社 rules (domain §4): recent unemployment registration, low flexible income, contributions
// stopped — each only for households not covered (DIBAO / TEKUN).
import { sql } from 'kysely';
import type { FeedRule } from './rule.ts';
import { covered, date, intParam, num, text } from './sql-helpers.ts';

/** period − event date in days (negative for an event after the period). */
const daysSinceEvent = sql<number | null>`(r.period - ${date('event_date')})`;

const eventValues = sql`'event', ${text('event')}, 'eventDate', ${text('event_date')},
  'assistanceStatus', r.assistance_status`;

export const hrUnemployed: FeedRule = {
  code: 'HR_UNEMPLOYED',
  feed: 'hr',
  severity: 'medium',
  when: '失业登记 with 0 ≤ period − event date ≤ window days, member aged min–max (completed years at the period), household not covered',
  rowCondition: (t) => sql`${text('event')} = 'UNEMPLOYED'
    and ${daysSinceEvent} between 0 and ${intParam(t.hrUnemployedWindowDays)}`,
  predicate: (t) => sql`r.age between ${intParam(t.hrUnemployedMinAge)} and ${intParam(t.hrUnemployedMaxAge)}
    and not ${covered}`,
  values: () => sql`jsonb_build_object(${eventValues}, 'daysSinceEvent', ${daysSinceEvent}, 'age', r.age)`,
  thresholds: (t) => sql`jsonb_build_object('windowDays', ${intParam(t.hrUnemployedWindowDays)},
      'minAge', ${intParam(t.hrUnemployedMinAge)}, 'maxAge', ${intParam(t.hrUnemployedMaxAge)})`,
};

export const hrFlexibleLow: FeedRule = {
  code: 'HR_FLEXIBLE_LOW',
  feed: 'hr',
  severity: 'low',
  when: '灵活就业 with the monthly income given and below the marginal threshold, household not covered',
  rowCondition: () => sql`${text('event')} = 'FLEXIBLE' and ${num('monthly_income')} is not null`,
  predicate: () => sql`${num('monthly_income')} < r.marginal_threshold and not ${covered}`,
  values: () =>
    sql`jsonb_build_object(${eventValues}, 'monthlyIncome', ${num('monthly_income')}, 'areaType', r.area_type)`,
  thresholds: () => sql`jsonb_build_object('standard', r.standard, 'marginalThreshold', r.marginal_threshold,
      'standardEffectiveFrom', r.standard_from)`,
};

export const hrStopped: FeedRule = {
  code: 'HR_STOPPED',
  feed: 'hr',
  severity: 'low',
  when: '停保 (contributions stopped), household not covered',
  rowCondition: () => sql`${text('event')} = 'STOPPED'`,
  predicate: () => sql`not ${covered}`,
  values: () => sql`jsonb_build_object(${eventValues})`,
  thresholds: () => sql`'{}'::jsonb`,
};

export const HR_RULES: readonly FeedRule[] = [hrUnemployed, hrFlexibleLow, hrStopped];
