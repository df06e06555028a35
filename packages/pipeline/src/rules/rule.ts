// What a rule is. A feed rule is a small named unit of domain §4: its code, feed and severity, a
// set-based SQL predicate over the candidate rows of a delivery (`r`, see candidate-rows.ts), and
// the values and thresholds it used, recorded as the signal's evidence, so every alert is explainable.
import { sql, type RawBuilder } from 'kysely';
import type { ThresholdValues } from '@ew/config';
import type { Severity } from '@ew/db';

export type FeedName = 'education' | 'hr' | 'housing' | 'medical' | 'rural';
export const FEED_NAMES: readonly FeedName[] = ['education', 'hr', 'housing', 'medical', 'rural'];

/** Every signal code of the §4 table (PRIOR_REFUSED is a severity raise, never a signal). */
export type RuleCode =
  | 'EDU_DROPOUT'
  | 'EDU_EXPENSE'
  | 'HR_UNEMPLOYED'
  | 'HR_FLEXIBLE_LOW'
  | 'HR_STOPPED'
  | 'HOUSING_DANGER'
  | 'ASSET_REVIEW'
  | 'MED_EXPENSE'
  | 'MED_SERIOUS'
  | 'RURAL_RISK'
  | 'INCOME_MARGINAL';

/**
 * A rule over one departmental feed. `predicate` and `evidence` are SQL over the candidate row
 * `r` (columns documented in candidate-rows.ts); thresholds enter as bound parameters.
 *
 * Unknown values never fire a rule: a comparison with a null amount, date or age is not true.
 * In particular a rule that needs the household income (EDU_EXPENSE, HOUSING_DANGER,
 * MED_EXPENSE) does not fire when the register has no income for the household, and
 * HR_FLEXIBLE_LOW does not fire when the feed gives no monthly income.
 */
export interface FeedRule {
  readonly code: RuleCode;
  readonly feed: FeedName;
  readonly severity: Severity;
  /** When it fires, in the words of domain §4 (shown with the alert). */
  readonly when: string;
  /**
   * Boolean SQL over the delivered row alone — `r.payload` and `r.period`, nothing joined — that
   * the rule needs besides `predicate` (optional). It is checked before a row is joined to its
   * person and household: rows no rule of the feed can fire on are never looked up.
   */
  rowCondition?(t: ThresholdValues): RawBuilder<boolean>;
  /** Boolean SQL over `r`. The rule fires where rowCondition (if any) and predicate hold. */
  predicate(t: ThresholdValues): RawBuilder<boolean>;
  /** SQL `jsonb` over `r`: the values the rule looked at (the evidence's `values`). */
  values(t: ThresholdValues): RawBuilder<unknown>;
  /** SQL `jsonb` over `r`: the thresholds it compared them with (the evidence's `thresholds`). */
  thresholds(t: ThresholdValues): RawBuilder<unknown>;
}

/** Where `rule` fires: its row condition and its predicate, over `r`. */
export function ruleCondition(rule: FeedRule, t: ThresholdValues): RawBuilder<boolean> {
  const predicate = rule.predicate(t);
  return rule.rowCondition === undefined
    ? predicate
    : sql<boolean>`(${rule.rowCondition(t)}) and (${predicate})`;
}

/**
 * The rows any of `rules` can fire on, judged on the delivered row alone: the row conditions
 * or'ed together; undefined when a rule has none (then every row can).
 */
export function rowPrefilter(
  rules: readonly FeedRule[],
  t: ThresholdValues,
): RawBuilder<boolean> | undefined {
  if (rules.length === 0 || rules.some((rule) => rule.rowCondition === undefined)) return undefined;
  return sql<boolean>`(${sql.join(
    rules.map((rule) => sql`(${rule.rowCondition!(t)})`),
    sql` or `,
  )})`;
}
