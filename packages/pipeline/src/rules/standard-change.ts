// Standard change event (domain §4 标准调整后走访排查): when a new low-income standard takes effect,
// every household of its area type is re-evaluated as ONE event, and INCOME_MARGINAL is raised
// for the households that qualify under the new standard and did not under the standard in force
// the day before — only those. Signals: feed 'register', no person, source period = the
// effective date. Once per (area type, effective date): rule_runs, and the signal identity.
import { sql } from 'kysely';
import type { AreaType, DeploymentConfig, LowIncomeStandard, StandardInForce } from '@ew/config';
import { standardAt } from '@ew/config';
import type { AppContext } from '../context.ts';
import { raiseAlertsForSignals, type RaiseResult } from '../alerts/raise-alerts.ts';
import { incomeMarginal, perCapitaOf } from './register-rules.ts';
import { claimRun, finishRun } from './rule-runs.ts';

export interface StandardChange {
  areaType: AreaType;
  effectiveFrom: string;
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
      alerts: RaiseResult;
    };

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

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

function previousStandard(config: DeploymentConfig, change: StandardChange): StandardInForce | null {
  const before = dayBefore(change.effectiveFrom);
  const exists = config.lowIncomeStandards.some(
    (s) => s.areaType === change.areaType && s.effectiveFrom <= before,
  );
  return exists ? standardAt(config, change.areaType, before) : null;
}

export function standardChangeKey(change: StandardChange): string {
  return `${change.areaType}:${change.effectiveFrom}`;
}

export async function runStandardChange(
  ctx: Pick<AppContext, 'config' | 'database' | 'logger'>,
  change: StandardChange,
): Promise<StandardChangeOutcome> {
  const { areaType, effectiveFrom } = change;
  configuredStandard(ctx.config, change);
  const standard = standardAt(ctx.config, areaType, effectiveFrom);
  const previous = previousStandard(ctx.config, change);
  const key = standardChangeKey(change);

  const result = await ctx.database.db.transaction().execute(async (trx): Promise<StandardChangeOutcome> => {
    if (!(await claimRun(trx, 'STANDARD_CHANGE', key)))
      return { outcome: 'already-run', areaType, effectiveFrom };
    const income = sql`h.monthly_income`;
    const members = sql`h.member_count`;
    const status = sql`h.assistance_status`;
    const now = incomeMarginal.qualifies({
      income,
      members,
      status,
      standard: sql`${standard.monthlyPerPerson}::numeric`,
      marginal: sql`${standard.marginalThreshold}::numeric`,
    });
    const before = incomeMarginal.qualifies({
      income,
      members,
      status,
      standard: sql`${previous?.monthlyPerPerson ?? null}::numeric`,
      marginal: sql`${previous?.marginalThreshold ?? null}::numeric`,
    });
    const { rows } = await sql<{ id: number }>`
      insert into signals (feed, person_id, household_id, code, source_period, severity, evidence)
      select 'register', null, h.id, ${incomeMarginal.code}, ${effectiveFrom}::date, ${incomeMarginal.severity},
             jsonb_build_object(
               'source', jsonb_build_object('trigger', 'STANDARD_CHANGE', 'areaType', ${areaType}::text,
                 'effectiveFrom', ${effectiveFrom}::text),
               'values', jsonb_build_object('monthlyIncome', h.monthly_income, 'memberCount', h.member_count,
                 'perCapitaIncome', ${perCapitaOf(income, members)}, 'assistanceStatus', h.assistance_status,
                 'areaType', h.area_type),
               'thresholds', jsonb_build_object('standard', ${standard.monthlyPerPerson}::numeric,
                 'marginalThreshold', ${standard.marginalThreshold}::numeric,
                 'marginalFactor', ${ctx.config.marginalFactor}::numeric,
                 'standardEffectiveFrom', ${standard.effectiveFrom}::text,
                 'previousStandard', ${previous?.monthlyPerPerson ?? null}::numeric,
                 'previousMarginalThreshold', ${previous?.marginalThreshold ?? null}::numeric))
        from households h
       where h.active and h.area_type = ${areaType} and ${now} and not ${before}
       order by h.id
      on conflict do nothing
      returning id`.execute(trx);
    const signalIds = rows.map((r) => Number(r.id));
    const alerts = await raiseAlertsForSignals(trx, ctx, { signalIds }, { asOf: effectiveFrom });
    await finishRun(trx, 'STANDARD_CHANGE', key, signalIds.length, { standard, previous, alerts });
    return {
      outcome: 'evaluated',
      areaType,
      effectiveFrom,
      standard,
      previous,
      signals: signalIds.length,
      alerts,
    };
  });
  ctx.logger.info(
    {
      areaType,
      effectiveFrom,
      outcome: result.outcome,
      ...(result.outcome === 'evaluated' ? { signals: result.signals, alerts: result.alerts } : {}),
    },
    'standard change evaluated',
  );
  return result;
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
