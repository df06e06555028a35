// 医保 rules (domain §4): catastrophic out-of-pocket cost; serious illness or severe disability
// in a household not covered.
import { sql } from 'kysely';
import type { FeedRule } from './rule.ts';
import { covered, flag, num, param } from './sql-helpers.ts';

export const medExpense: FeedRule = {
  code: 'MED_EXPENSE',
  feed: 'medical',
  severity: 'high',
  when: 'out-of-pocket ≥ max(floor, share × household annual income); no rule on unknown income',
  // implied by the predicate (the limit is at least the floor); lets the row be judged alone
  rowCondition: (t) => sql`${num('out_of_pocket')} >= ${param(t.medExpenseFloor)}`,
  // greatest() would ignore a null income; the explicit null test keeps "unknown never fires"
  predicate: (t) => sql`r.annual_income is not null
    and ${num('out_of_pocket')} >= greatest(${param(t.medExpenseFloor)}, ${param(t.medExpenseShareOfAnnualIncome)} * r.annual_income)`,
  values:
    () => sql`jsonb_build_object('outOfPocket', ${num('out_of_pocket')}, 'monthlyIncome', r.monthly_income,
      'annualIncome', r.annual_income)`,
  thresholds: (t) => sql`jsonb_build_object('floor', ${param(t.medExpenseFloor)},
      'shareOfAnnualIncome', ${param(t.medExpenseShareOfAnnualIncome)},
      'limit', greatest(${param(t.medExpenseFloor)}, ${param(t.medExpenseShareOfAnnualIncome)} * r.annual_income))`,
};

export const medSerious: FeedRule = {
  code: 'MED_SERIOUS',
  feed: 'medical',
  severity: 'medium',
  when: 'serious-illness or severe-disability flag, household not covered',
  rowCondition: () => sql`${flag('serious_illness')} or ${flag('severe_disability')}`,
  predicate: () => sql`not ${covered}`,
  values: () => sql`jsonb_build_object('seriousIllness', ${flag('serious_illness')},
      'severeDisability', ${flag('severe_disability')}, 'assistanceStatus', r.assistance_status)`,
  thresholds: () => sql`'{}'::jsonb`,
};

export const MEDICAL_RULES: readonly FeedRule[] = [medExpense, medSerious];
