// INCOME_MARGINAL after a register snapshot (domain §4, register rule): the households that
// newly qualify — standard < per-capita income ≤ marginal threshold and status NONE — because of
// what this snapshot changed.
//
// Choice: "newly" is judged under ONE standard (the one in force at the snapshot's as-of date),
// so a register change and a standard change are separate causes (the latter is
// runStandardChange's). A household is a candidate when the snapshot has an event for it —
// HOUSEHOLD_ADDED, INCOME_CHANGED, STATUS_CHANGED, PERSON_ADDED, PERSON_REMOVED or PERSON_MOVED
// (either side) — and its state before the snapshot is rebuilt from those events: income and
// status from the events' `from`, members = now − added − moved in + removed + moved out. It
// raises when it qualifies now and did not before (an added household did not exist before).
// The baseline (first applied) snapshot has no events: every qualifying household is new.
// Once per snapshot (rule_runs); signals: feed 'register', no person, source period = as-of date.
import { sql, type RawBuilder } from 'kysely';
import { AREA_TYPES } from '@ew/config';
import type { AppContext } from '../context.ts';
import { raiseAlertsForSignals, type RaiseResult } from '../alerts/raise-alerts.ts';
import { standardsAt, standardsTable } from './candidate-rows.ts';
import { incomeMarginal, perCapitaOf } from './register-rules.ts';
import { claimRun, finishRun } from './rule-runs.ts';

export type RegisterIncomeOutcome =
  | { outcome: 'skipped'; reason: 'snapshot-not-applied' | 'already-run' }
  | {
      outcome: 'evaluated';
      snapshotId: number;
      baseline: boolean;
      asOf: string;
      signals: number;
      alerts: RaiseResult;
    };

/** Events after which a household's per-capita income or status may differ. */
const TRIGGER_KINDS = [
  'HOUSEHOLD_ADDED',
  'INCOME_CHANGED',
  'STATUS_CHANGED',
  'PERSON_ADDED',
  'PERSON_REMOVED',
  'PERSON_MOVED',
];

/** A subquery `(…) c` of candidate households with their state now and before the snapshot. */
function changedHouseholds(snapshotId: number): RawBuilder<unknown> {
  return sql`(
    with ev as (
      select kind, household_id, detail from register_events
       where snapshot_id = ${snapshotId}::bigint and kind = any(${TRIGGER_KINDS}::text[])
    ),
    touched as (
      select household_id as id, kind from ev where household_id is not null
      union all
      select (detail->>'fromHouseholdId')::bigint, 'PERSON_MOVED_OUT' from ev
       where kind = 'PERSON_MOVED' and detail ? 'fromHouseholdId'
    ),
    per_household as (
      select id,
             array_agg(distinct kind order by kind) as kinds,
             bool_or(kind = 'HOUSEHOLD_ADDED') as added,
             count(*) filter (where kind in ('PERSON_ADDED', 'PERSON_MOVED'))::int as members_in,
             count(*) filter (where kind in ('PERSON_REMOVED', 'PERSON_MOVED_OUT'))::int as members_out
        from touched group by id
    )
    select h.id, h.area_type, h.monthly_income, h.member_count, h.assistance_status, ph.kinds, ph.added,
           case when ic.detail is null then h.monthly_income else (ic.detail->>'from')::numeric end as income_before,
           h.member_count - ph.members_in + ph.members_out as members_before,
           case when sc.detail is null then h.assistance_status else sc.detail->>'from' end as status_before
      from per_household ph
      join households h on h.id = ph.id and h.active
      left join ev ic on ic.household_id = h.id and ic.kind = 'INCOME_CHANGED'
      left join ev sc on sc.household_id = h.id and sc.kind = 'STATUS_CHANGED'
  ) c`;
}

/** Every active household, none of them known before (the baseline snapshot). */
const allHouseholds = sql`(
  select h.id, h.area_type, h.monthly_income, h.member_count, h.assistance_status,
         array[]::text[] as kinds, true as added, null::numeric as income_before,
         null::int as members_before, null::text as status_before
    from households h where h.active
) c`;

export async function evaluateRegisterIncome(
  ctx: Pick<AppContext, 'config' | 'database' | 'logger'>,
  snapshotId: number,
  options: { asOf?: string } = {},
): Promise<RegisterIncomeOutcome> {
  const result = await ctx.database.db.transaction().execute(async (trx): Promise<RegisterIncomeOutcome> => {
    const snap = await sql<{ status: string; applied_on: string | null; earlier: boolean }>`
      select status, applied_at::date as applied_on,
             exists (select 1 from register_snapshots e where e.status = 'APPLIED' and e.id < s.id) as earlier
        from register_snapshots s where id = ${snapshotId}::bigint`.execute(trx);
    const row = snap.rows[0];
    if (row === undefined || row.status !== 'APPLIED' || row.applied_on === null) {
      return { outcome: 'skipped', reason: 'snapshot-not-applied' };
    }
    if (!(await claimRun(trx, 'REGISTER_INCOME', String(snapshotId))))
      return { outcome: 'skipped', reason: 'already-run' };
    const asOf = options.asOf ?? row.applied_on;
    const baseline = !row.earlier;
    const standards = standardsAt(ctx.config, asOf);
    const now = incomeMarginal.qualifies({
      income: sql`c.monthly_income`,
      members: sql`c.member_count`,
      status: sql`c.assistance_status`,
      standard: sql`std.standard`,
      marginal: sql`std.marginal_threshold`,
    });
    const before = incomeMarginal.qualifies({
      income: sql`c.income_before`,
      members: sql`c.members_before`,
      status: sql`c.status_before`,
      standard: sql`std.standard`,
      marginal: sql`std.marginal_threshold`,
    });
    const { rows } = await sql<{ id: number }>`
      insert into signals (feed, person_id, household_id, code, source_period, severity, evidence)
      select 'register', null, c.id, ${incomeMarginal.code}, ${asOf}::date, ${incomeMarginal.severity},
             jsonb_build_object(
               'source', jsonb_build_object('trigger', 'REGISTER_SNAPSHOT', 'snapshotId', ${snapshotId}::bigint,
                 'baseline', ${baseline}::boolean, 'events', to_jsonb(c.kinds)),
               'values', jsonb_build_object('monthlyIncome', c.monthly_income, 'memberCount', c.member_count,
                 'perCapitaIncome', ${perCapitaOf(sql`c.monthly_income`, sql`c.member_count`)},
                 'assistanceStatus', c.assistance_status, 'areaType', c.area_type),
               'before', case when c.added then null else jsonb_build_object('monthlyIncome', c.income_before,
                 'memberCount', c.members_before, 'assistanceStatus', c.status_before) end,
               'thresholds', jsonb_build_object('standard', std.standard, 'marginalThreshold', std.marginal_threshold,
                 'marginalFactor', ${ctx.config.marginalFactor}::numeric, 'standardEffectiveFrom', std.standard_from))
        from ${baseline ? allHouseholds : changedHouseholds(snapshotId)}
        join ${standardsTable(standards)} on std.area_type = c.area_type
       where ${now} and (c.added or not ${before})
       order by c.id
      on conflict do nothing
      returning id`.execute(trx);
    const signalIds = rows.map((r) => Number(r.id));
    const alerts = await raiseAlertsForSignals(trx, ctx, { signalIds }, { asOf });
    await finishRun(trx, 'REGISTER_INCOME', String(snapshotId), signalIds.length, {
      asOf,
      baseline,
      standards: Object.fromEntries(AREA_TYPES.map((a) => [a, standards[a]])),
      alerts,
    });
    return { outcome: 'evaluated', snapshotId, baseline, asOf, signals: signalIds.length, alerts };
  });
  ctx.logger.info({ snapshotId, ...result }, 'register income evaluated');
  return result;
}
