// The rule registry: every feed rule of domain §4, one array. Adding a rule is one new unit in
// its feed's file and one line here; no other rule changes. (INCOME_MARGINAL is the register's
// rule, see register-rules.ts; PRIOR_REFUSED and compound risk raise alert severity, see
// alerts/severity.ts.)
import { EDUCATION_RULES } from './education-rules.ts';
import { HOUSING_RULES } from './housing-rules.ts';
import { HR_RULES } from './hr-rules.ts';
import { MEDICAL_RULES } from './medical-rules.ts';
import type { FeedRule, RuleCode } from './rule.ts';
import { RURAL_RULES } from './rural-rules.ts';
import { incomeMarginal } from './register-rules.ts';

export const FEED_RULES: readonly FeedRule[] = [
  ...EDUCATION_RULES,
  ...HR_RULES,
  ...HOUSING_RULES,
  ...MEDICAL_RULES,
  ...RURAL_RULES,
];

export function rulesForFeed(feed: string): readonly FeedRule[] {
  return FEED_RULES.filter((r) => r.feed === feed);
}

/** Code → { feed, severity, when } for every signal code, the register's included. */
export const RULE_CATALOGUE: ReadonlyMap<RuleCode, { feed: string; severity: string; when: string }> =
  new Map(
    [...FEED_RULES, incomeMarginal].map((r) => [
      r.code,
      { feed: r.feed, severity: r.severity, when: r.when },
    ]),
  );

// A code registered twice would make signals ambiguous: fail at import time, not at run time.
{
  const seen = new Set<string>();
  for (const rule of FEED_RULES) {
    if (seen.has(rule.code)) throw new Error(`rule ${rule.code} is registered twice`);
    seen.add(rule.code);
  }
}
