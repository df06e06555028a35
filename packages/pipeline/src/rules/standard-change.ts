// Standard change event (domain §4 标准调整后走访排查; issue 14 I): when a new low-income standard
// takes effect, every household of its area type is re-evaluated as ONE event, both ways
// (standard-change-effects.ts says who is what, for this and for `rules simulate`):
//   - INCOME_MARGINAL is raised for the households that qualify under the new standard and did not
//     under the standard in force the day before (and have no live signal of it): feed 'register',
//     no person, source period = the effective date;
//   - the live INCOME_MARGINAL signals of households that no longer qualify are withdrawn
//     (alerts/withdraw-signals.ts: marked superseded, their open tasks get an event), and those
//     households are reported (count and list);
//   - the rest keep their signal.
// Once per (area type, effective date): rule_runs, and the signal identity.
import { sql } from 'kysely';
import type { AreaType, DeploymentConfig, LowIncomeStandard, StandardInForce } from '@ew/config';
import type { AssistanceStatus, TaskStatus } from '@ew/db';
import type { AppContext } from '../context.ts';
import { raiseAlertsForSignals, type RaiseResult } from '../alerts/raise-alerts.ts';
import { withdrawSignals, type WithdrawResult } from '../alerts/withdraw-signals.ts';
import { incomeMarginal, perCapitaOf } from './register-rules.ts';
import { claimRun, finishRun } from './rule-runs.ts';
import {
  countEffects,
  standardChangeEffects,
  standardStep,
  standardWithdrawalReason,
  type StandardChangeCounts,
} from './standard-change-effects.ts';

export interface StandardChange {
  areaType: AreaType;
  effectiveFrom: string;
}

/** A household whose INCOME_MARGINAL signal was withdrawn (no names: the register has them). */
export interface WithdrawnHousehold {
  householdId: number;
  householdNo: string;
  town: string;
  perCapitaIncome: number | null;
  assistanceStatus: AssistanceStatus;
  /** Its open task, if any (it got a signals_withdrawn event). */
  taskId: number | null;
  taskStatus: TaskStatus | null;
}

export type StandardChangeOutcome =
  | { outcome: 'already-run'; areaType: AreaType; effectiveFrom: string }
  | {
      outcome: 'evaluated';
      areaType: AreaType;
      effectiveFrom: string;
      standard: StandardInForce;
      /** The standard in force the day before (null: none was). */
      previous: StandardInForce | null;
      /** Households newly qualifying, each one INCOME_MARGINAL signal. */
      signals: number;
      /** Households raised, withdrawn and kept (as `rules simulate` counts them). */
      households: StandardChangeCounts;
      alerts: RaiseResult;
      withdrawal: WithdrawResult;
      /** The households that no longer qualify, by household number. */
      withdrawn: WithdrawnHousehold[];
    };

function configuredStandard(config: DeploymentConfig, change: StandardChange): LowIncomeStandard {
  const found = config.lowIncomeStandards.find(
    (s) => s.areaType === change.areaType && s.effectiveFrom === change.effectiveFrom,
  );
  if (found === undefined) {
    throw new Error(
      `no ${change.areaType} low-income standard takes effect on ${change.effectiveFrom} in the deployment config`,
    );
  }
  return found;
}

export function standardChangeKey(change: StandardChange): string {
  return `${change.areaType}:${change.effectiveFrom}`;
}

export interface StandardChangeOptions {
  /** Who runs it, for the audit row of a withdrawal: `system` (scheduler), `cli:<operator>`. */
  actor?: string;
}

export async function runStandardChange(
  ctx: Pick<AppContext, 'config' | 'database' | 'logger'>,
  change: StandardChange,
  options: StandardChangeOptions = {},
): Promise<StandardChangeOutcome> {
  const { areaType, effectiveFrom } = change;
  configuredStandard(ctx.config, change);
  const step = standardStep(ctx.config, areaType, effectiveFrom);
  const { standard, previous } = step;
  const key = standardChangeKey(change);

  const result = await ctx.database.db.transaction().execute(async (trx): Promise<StandardChangeOutcome> => {
    if (!(await claimRun(trx, 'STANDARD_CHANGE', key)))
      return { outcome: 'already-run', areaType, effectiveFrom };
    // who is what, fixed once for the whole event (the withdrawal and the raise below change it)
    await sql`drop table if exists standard_effects`.execute(trx);
    await sql`create temporary table standard_effects on commit drop as
      select * from ${standardChangeEffects(step)}`.execute(trx);
    const counts = (await countEffects(sql`standard_effects e`).execute(trx)).rows[0]!;

    const { rows: withdrawnRows } = await sql<{
      household_id: number;
      household_no: string;
      town: string;
      per_capita: number | null;
      assistance_status: AssistanceStatus;
      task_id: number | null;
      task_status: TaskStatus | null;
    }>`
      select e.household_id, e.household_no, tw.name as town,
             ${perCapitaOf(sql`e.monthly_income`, sql`e.member_count`)} as per_capita,
             e.assistance_status, t.id as task_id, t.status as task_status
        from standard_effects e
        join towns tw on tw.id = e.town_id
        left join tasks t on t.household_id = e.household_id and t.status <> 'CLOSED'
       where e.effect = 'withdraw'
       order by e.household_no, e.household_id`.execute(trx);
    const withdrawal = await withdrawSignals(
      trx,
      sql`select unnest(e.signal_ids) as id from standard_effects e where e.effect = 'withdraw'`,
      {
        reason: standardWithdrawalReason(step),
        cause: { kind: 'STANDARD_CHANGE', areaType, effectiveFrom },
        actor: options.actor ?? 'system',
        subject: { type: 'standard_change', id: key },
      },
    );

    const { rows } = await sql<{ id: number }>`
      insert into signals (feed, person_id, household_id, code, source_period, severity, evidence)
      select 'register', null, e.household_id, ${incomeMarginal.code}, ${effectiveFrom}::date, ${incomeMarginal.severity},
             jsonb_build_object(
               'source', jsonb_build_object('trigger', 'STANDARD_CHANGE', 'areaType', ${areaType}::text,
                 'effectiveFrom', ${effectiveFrom}::text),
               'values', jsonb_build_object('monthlyIncome', e.monthly_income, 'memberCount', e.member_count,
                 'perCapitaIncome', ${perCapitaOf(sql`e.monthly_income`, sql`e.member_count`)},
                 'assistanceStatus', e.assistance_status, 'areaType', e.area_type),
               'thresholds', jsonb_build_object('standard', ${standard.monthlyPerPerson}::numeric,
                 'marginalThreshold', ${standard.marginalThreshold}::numeric,
                 'marginalFactor', ${ctx.config.marginalFactor}::numeric,
                 'standardEffectiveFrom', ${standard.effectiveFrom}::text,
                 'previousStandard', ${previous?.monthlyPerPerson ?? null}::numeric,
                 'previousMarginalThreshold', ${previous?.marginalThreshold ?? null}::numeric))
        from standard_effects e
       where e.effect = 'raise'
       order by e.household_id
      on conflict do nothing
      returning id`.execute(trx);
    const signalIds = rows.map((r) => Number(r.id));
    const alerts = await raiseAlertsForSignals(trx, ctx, { signalIds }, { asOf: effectiveFrom });
    const withdrawn = withdrawnRows.map((r): WithdrawnHousehold => ({
      householdId: Number(r.household_id),
      householdNo: r.household_no,
      town: r.town,
      perCapitaIncome: r.per_capita === null ? null : Number(r.per_capita),
      assistanceStatus: r.assistance_status,
      taskId: r.task_id === null ? null : Number(r.task_id),
      taskStatus: r.task_status,
    }));
    await finishRun(trx, 'STANDARD_CHANGE', key, signalIds.length, {
      standard,
      previous,
      households: counts,
      alerts,
      withdrawal,
      withdrawnHouseholdIds: withdrawn.map((w) => w.householdId),
    });
    return {
      outcome: 'evaluated',
      areaType,
      effectiveFrom,
      standard,
      previous,
      signals: signalIds.length,
      households: counts,
      alerts,
      withdrawal,
      withdrawn,
    };
  });
  ctx.logger.info(
    {
      areaType,
      effectiveFrom,
      outcome: result.outcome,
      ...(result.outcome === 'evaluated'
        ? { households: result.households, alerts: result.alerts, withdrawal: result.withdrawal }
        : {}),
    },
    'standard change evaluated',
  );
  return result;
}

/**
 * Every area type's change (`rules standard-change --all`): with `effectiveFrom`, each standard
 * of the deployment config taking effect that day (an error when none does); without, every change
 * due by `today` and not run yet (what the scheduler would run). In date, then area order; each
 * is its own event (a second call finds them run and changes nothing).
 */
export async function runStandardChanges(
  ctx: Pick<AppContext, 'config' | 'database' | 'logger'>,
  select: { effectiveFrom: string } | { dueBy: string },
  options: StandardChangeOptions = {},
): Promise<StandardChangeOutcome[]> {
  let changes: StandardChange[];
  if ('effectiveFrom' in select) {
    changes = ctx.config.lowIncomeStandards
      .filter((s) => s.effectiveFrom === select.effectiveFrom)
      .map((s) => ({ areaType: s.areaType, effectiveFrom: s.effectiveFrom }))
      .sort((a, b) => a.areaType.localeCompare(b.areaType));
    if (changes.length === 0) {
      throw new Error(
        `no low-income standard takes effect on ${select.effectiveFrom} in the deployment config`,
      );
    }
  } else {
    changes = await dueStandardChanges(ctx, select.dueBy);
  }
  const outcomes: StandardChangeOutcome[] = [];
  for (const change of changes) {
    outcomes.push(
      await runStandardChange(
        ctx,
        { areaType: change.areaType, effectiveFrom: change.effectiveFrom },
        options,
      ),
    );
  }
  return outcomes;
}

export interface DueStandardChange extends StandardChange {
  monthlyPerPerson: number;
}

/**
 * Standards that have taken effect (effectiveFrom ≤ today) and not been run, for a scheduler.
 * Standards in force before the first register snapshot was applied are not changes: the
 * register's first evaluation (evaluateRegisterIncome on the baseline snapshot) used them
 * already. Nothing is due before any snapshot is applied.
 */
export async function dueStandardChanges(
  ctx: Pick<AppContext, 'config' | 'database'>,
  today: string,
): Promise<DueStandardChange[]> {
  const db = ctx.database.db;
  const first = await sql<{ applied_on: string | null }>`
    select min(applied_at)::date as applied_on from register_snapshots where status = 'APPLIED'`.execute(db);
  const baseline = first.rows[0]?.applied_on ?? null;
  if (baseline === null) return [];
  const done = await db
    .selectFrom('rule_runs')
    .select('run_key')
    .where('kind', '=', 'STANDARD_CHANGE')
    .execute();
  const ran = new Set(done.map((r) => r.run_key));
  return ctx.config.lowIncomeStandards
    .filter((s) => s.effectiveFrom > baseline && s.effectiveFrom <= today && !ran.has(standardChangeKey(s)))
    .map((s) => ({
      areaType: s.areaType,
      effectiveFrom: s.effectiveFrom,
      monthlyPerPerson: s.monthlyPerPerson,
    }))
    .sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom) || a.areaType.localeCompare(b.areaType));
}
