// 教育 rules (domain §4): a pupil who dropped out; school costs heavy for the household income.
import { sql } from 'kysely';
import type { FeedRule } from './rule.ts';
import { num, param, text } from './sql-helpers.ts';

/** Fees minus aid; aid not given counts as none received. */
const netExpense = sql<number | null>`(${num('annual_fees')} - coalesce(${num('aid_received')}, 0))`;

export const eduDropout: FeedRule = {
  code: 'EDU_DROPOUT',
  feed: 'education',
  severity: 'high',
  when: 'status 辍学 (dropped out)',
  predicate: () => sql`${text('status')} = 'DROPPED_OUT'`,
  values: () =>
    sql`jsonb_build_object('status', ${text('status')}, 'stage', ${text('stage')}, 'school', ${text('school')})`,
  thresholds: () => sql`'{}'::jsonb`,
};

export const eduExpense: FeedRule = {
  code: 'EDU_EXPENSE',
  feed: 'education',
  severity: 'medium',
  when: '(fees − aid) > share × household annual income (12 × monthly); no rule on unknown income',
  predicate: (t) => sql`${netExpense} > ${param(t.eduExpenseShareOfAnnualIncome)} * r.annual_income`,
  values: () => sql`jsonb_build_object(
      'annualFees', ${num('annual_fees')}, 'aidReceived', ${num('aid_received')},
      'netExpense', ${netExpense}, 'monthlyIncome', r.monthly_income, 'annualIncome', r.annual_income)`,
  thresholds: (t) => sql`jsonb_build_object(
      'shareOfAnnualIncome', ${param(t.eduExpenseShareOfAnnualIncome)},
      'limit', ${param(t.eduExpenseShareOfAnnualIncome)} * r.annual_income)`,
};

export const EDUCATION_RULES: readonly FeedRule[] = [eduDropout, eduExpense];
