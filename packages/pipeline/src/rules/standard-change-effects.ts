// What a low-income standard taking effect does to INCOME_MARGINAL, both ways (domain §4 标准调整后
// 走访排查; issue 14 I). ONE statement says it for `rules standard-change` (which applies it) and
// `rules simulate` (which counts it), so the two cannot disagree. Per active household of the area
// type, one row with its effect:
//   raise     qualifies under the new standard, did not under the one in force the day before, and
//             has no live (not withdrawn) INCOME_MARGINAL signal: one new signal;
//   withdraw  has a live INCOME_MARGINAL signal and, with status NONE and its income known, is
//             above the new marginal threshold (no longer at risk): its live signals are withdrawn
//             (alerts/withdraw-signals.ts);
//   keep      has a live INCOME_MARGINAL signal that stays: it still qualifies; or its per-capita
//             income is at or below the new standard (poorer than marginal: the visit is still due,
//             for 低保 rather than 低保边缘 — withdrawing would hide it); or it is covered now (DIBAO,
//             TEKUN, MARGINAL: what its task led to, not the standard); or its income is unknown.
// Households without a live signal that do not newly qualify are not listed. Applied, the change
// leaves every raised household with a live signal (kept next time) and every withdrawn one without
// (not listed next time): counting it again after it ran gives raise 0, withdraw 0.
import { sql, type RawBuilder } from 'kysely';
import { standardAt, type AreaType, type DeploymentConfig, type StandardInForce } from '@ew/config';
import { incomeMarginal } from './register-rules.ts';

export type StandardChangeEffect = 'raise' | 'withdraw' | 'keep';

/** A standard taking effect for an area type, and the one in force the day before (null: none). */
export interface StandardStep {
  areaType: AreaType;
  /** The date the change is judged at (the new standard's effective date for a real change). */
  on: string;
  standard: StandardInForce;
  previous: StandardInForce | null;
}

export function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** The standard in force on `on` and the day before, under `config`. */
export function standardStep(config: DeploymentConfig, areaType: AreaType, on: string): StandardStep {
  const before = dayBefore(on);
  const previousExists = config.lowIncomeStandards.some(
    (s) => s.areaType === areaType && s.effectiveFrom <= before,
  );
  return {
    areaType,
    on,
    standard: standardAt(config, areaType, on),
    previous: previousExists ? standardAt(config, areaType, before) : null,
  };
}

/**
 * `(…) e`: one row per household the step concerns — household_id, household_no, town_id,
 * area_type, monthly_income, member_count, assistance_status, signal_ids (its live INCOME_MARGINAL
 * signals; null for raise) and effect.
 */
export function standardChangeEffects(step: StandardStep): RawBuilder<unknown> {
  const terms = {
    income: sql`h.monthly_income`,
    members: sql`h.member_count`,
    status: sql`h.assistance_status`,
  };
  const now = incomeMarginal.qualifies({
    ...terms,
    standard: sql`${step.standard.monthlyPerPerson}::numeric`,
    marginal: sql`${step.standard.marginalThreshold}::numeric`,
  });
  const before = incomeMarginal.qualifies({
    ...terms,
    standard: sql`${step.previous?.monthlyPerPerson ?? null}::numeric`,
    marginal: sql`${step.previous?.marginalThreshold ?? null}::numeric`,
  });
  return sql`(
    select h.id as household_id, h.household_no, h.town_id, h.area_type, h.monthly_income,
           h.member_count, h.assistance_status, live.signal_ids,
           case when live.household_id is null then 'raise'
                when h.assistance_status = 'NONE' and h.monthly_income is not null and h.member_count > 0
                     and h.monthly_income > ${step.standard.marginalThreshold}::numeric * h.member_count
                     then 'withdraw'
                else 'keep' end as effect
      from households h
      left join (select s.household_id, array_agg(s.id order by s.id) as signal_ids
                   from signals s
                  where s.code = ${incomeMarginal.code} and s.superseded_at is null
                  group by s.household_id) live on live.household_id = h.id
     where h.active and h.area_type = ${step.areaType}
       and (live.household_id is not null or (${now} and not ${before}))
  ) e`;
}

export interface StandardChangeCounts {
  /** Households, by effect. */
  raised: number;
  withdrawn: number;
  kept: number;
}

/** The counts of `standardChangeEffects` rows (as SQL: `select … from (effects) e`). */
export const countEffects = (effects: RawBuilder<unknown>) => sql<StandardChangeCounts>`
  select count(*) filter (where e.effect = 'raise')::int as raised,
         count(*) filter (where e.effect = 'withdraw')::int as withdrawn,
         count(*) filter (where e.effect = 'keep')::int as kept
    from ${effects}`;

/** The reason a withdrawn INCOME_MARGINAL signal carries (signals.superseded_reason, task event note). */
export function standardWithdrawalReason(step: StandardStep): string {
  const area = step.areaType === 'URBAN' ? '城市' : '农村';
  return (
    `新低保边缘标准下不再符合（${area}自 ${step.standard.effectiveFrom} 起低保标准 ` +
    `${step.standard.monthlyPerPerson} 元、低保边缘标准 ${step.standard.marginalThreshold} 元）`
  );
}
