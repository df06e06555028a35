// 住建 rules (domain §4): a dangerous dwelling in a low-income household; an assisted household
// owning several properties (an eligibility review, not aid).
import { sql } from 'kysely';
import type { FeedRule } from './rule.ts';
import { intParam, num, perCapitaShown, text } from './sql-helpers.ts';

export const housingDanger: FeedRule = {
  code: 'HOUSING_DANGER',
  feed: 'housing',
  severity: 'high',
  when: 'safety grade C or D (危房) and per-capita income ≤ marginal threshold; no rule on unknown income',
  // per-capita ≤ M  ⇔  income ≤ M × members (members > 0): exact, no division rounding
  rowCondition: () => sql`${text('safety_grade')} in ('C', 'D')`,
  predicate: () => sql`r.member_count > 0
    and r.monthly_income <= r.marginal_threshold * r.member_count`,
  values:
    () => sql`jsonb_build_object('safetyGrade', ${text('safety_grade')}, 'monthlyIncome', r.monthly_income,
      'memberCount', r.member_count, 'perCapitaIncome', ${perCapitaShown}, 'areaType', r.area_type)`,
  thresholds: () => sql`jsonb_build_object('standard', r.standard, 'marginalThreshold', r.marginal_threshold,
      'standardEffectiveFrom', r.standard_from)`,
};

export const assetReview: FeedRule = {
  code: 'ASSET_REVIEW',
  feed: 'housing',
  severity: 'medium',
  when: '≥ min properties and status DIBAO or MARGINAL (an eligibility review, not aid)',
  rowCondition: (t) => sql`${num('property_count')} >= ${intParam(t.assetReviewMinProperties)}`,
  predicate: () => sql`r.assistance_status in ('DIBAO', 'MARGINAL')`,
  values: () =>
    sql`jsonb_build_object('propertyCount', ${num('property_count')}, 'assistanceStatus', r.assistance_status)`,
  thresholds: (t) => sql`jsonb_build_object('minProperties', ${intParam(t.assetReviewMinProperties)})`,
};

export const HOUSING_RULES: readonly FeedRule[] = [housingDanger, assetReview];
