// Register rule (domain §4): INCOME_MARGINAL — standard < per-capita income ≤ marginal threshold
// and status NONE. It looks at households, not feed rows, so it is written over named
// expressions: the same test serves "qualifies now" and "qualified before" (standard change,
// register snapshot).
import { sql, type RawBuilder } from 'kysely';
import type { Severity } from '@ew/db';

export interface IncomeTerms {
  /** Monthly household income (null = unknown: never qualifies). */
  income: RawBuilder<unknown>;
  members: RawBuilder<unknown>;
  status: RawBuilder<unknown>;
  standard: RawBuilder<unknown>;
  marginal: RawBuilder<unknown>;
}

export const incomeMarginal = {
  code: 'INCOME_MARGINAL',
  feed: 'register',
  severity: 'medium' as Severity,
  when: 'standard < per-capita income ≤ marginal threshold (standard × factor) and status NONE; no rule on unknown income',
  /**
   * Never null: unknown income or no members is "does not qualify". Per-capita compares are
   * multiplied out (income vs threshold × members) so no division rounds a boundary away.
   */
  qualifies(x: IncomeTerms): RawBuilder<boolean> {
    return sql<boolean>`coalesce(${x.status} = 'NONE' and ${x.members} > 0
      and ${x.income} > ${x.standard} * ${x.members}
      and ${x.income} <= ${x.marginal} * ${x.members}, false)`;
  },
} as const;

/** Per-capita income rounded to the cent, for evidence only. */
export function perCapitaOf(
  income: RawBuilder<unknown>,
  members: RawBuilder<unknown>,
): RawBuilder<number | null> {
  return sql<number | null>`round(${income} / nullif(${members}, 0), 2)`;
}
