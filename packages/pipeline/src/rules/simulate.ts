// Dry run (issue: `rules simulate --config new.yaml`): how many signals and alerts, per code and
// per town, a proposed deployment config would raise on the current data — the latest matched
// delivery of each feed, plus the register's INCOME_MARGINAL — next to what the config in force
// raises on the same data. Pure SELECTs inside a READ ONLY transaction: nothing is written.
//
// It counts what the rules find on the data as it is, not what would be new: no delivery delta,
// no signal identity, no suppression. An alert is a household with at least one signal; its
// severity is the highest signal's, high when it has at least compoundMinCodes distinct codes
// (the window is not applied: the deliveries are "current"), one level up when refused before.
//
// And, per area type, what `rules standard-change` would do under the proposed config on the date
// (`at`, else the effective date of the area type's newest standard in the proposed config):
// households raised, withdrawn and kept — by the very statement the standard change applies
// (standard-change-effects.ts), so the two agree.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import {
  AREA_TYPES,
  thresholdsAt,
  type AreaType,
  type DeploymentConfig,
  type StandardInForce,
} from '@ew/config';
import type { DB, Severity } from '@ew/db';
import type { AppContext } from '../context.ts';
import { candidateRows, standardsAt, standardsTable } from './candidate-rows.ts';
import { incomeMarginal } from './register-rules.ts';
import { rulesForFeed } from './registry.ts';
import { rowPrefilter, ruleCondition } from './rule.ts';
import {
  countEffects,
  standardChangeEffects,
  standardStep,
  type StandardChangeCounts,
} from './standard-change-effects.ts';

export interface SimulationOptions {
  /**
   * The date whose standards and thresholds apply to every delivery (e.g. the effective date of
   * a proposed change). Default: each delivery's own period, as evaluation would.
   */
  at?: string;
  /** The register's as-of date for INCOME_MARGINAL; default `at`, else today (UTC). */
  registerAsOf?: string;
}

export interface SimulationCounts {
  signals: number;
  alerts: number;
  alertsBySeverity: Record<Severity, number>;
  byCode: Record<string, { signals: number; households: number }>;
  byTown: Array<{
    townId: number;
    town: string;
    signals: number;
    alerts: number;
    /** Households with a signal of each code. */
    byCode: Record<string, number>;
  }>;
}

/** A standard change as `rules standard-change` would apply it now, under the proposed config. */
export interface SimulatedStandardChange extends StandardChangeCounts {
  areaType: AreaType;
  /** The date judged: the standard in force then against the one the day before. */
  on: string;
  standard: StandardInForce;
  previous: StandardInForce | null;
}

export interface SimulationResult {
  deliveries: Array<{ importId: number; feed: string; period: string; fileName: string }>;
  registerAsOf: string;
  proposed: SimulationCounts;
  current: SimulationCounts;
  standardChange: SimulatedStandardChange[];
}

interface Delivery {
  id: number;
  feed: string;
  period: string;
  file_name: string;
}

/** The latest matched (or evaluated) delivery of each feed. */
async function currentDeliveries(db: Kysely<DB>): Promise<Delivery[]> {
  const { rows } = await sql<Delivery>`
    select distinct on (feed) id, feed, period, file_name
      from imports
     where status in ('MATCHED', 'EVALUATED')
     order by feed, period desc, id desc`.execute(db);
  return rows;
}

/** `select code, severity, household_id from …` for every rule over every delivery, and the register. */
function simulatedSignals(
  config: DeploymentConfig,
  deliveries: readonly Delivery[],
  options: { at?: string; registerAsOf: string },
): RawBuilder<unknown> {
  const ctes: RawBuilder<unknown>[] = [];
  const branches: RawBuilder<unknown>[] = [];
  deliveries.forEach((d, i) => {
    const rules = rulesForFeed(d.feed);
    if (rules.length === 0) return;
    const at = options.at ?? d.period;
    const thresholds = thresholdsAt(config, at).values;
    const name = sql.id(`d${i}`);
    ctes.push(
      sql`${name} as materialized (${candidateRows({ importId: d.id, changedOnly: false }, standardsAt(config, at), rowPrefilter(rules, thresholds))})`,
    );
    for (const rule of rules) {
      branches.push(sql`
        select ${rule.code}::text as code, ${rule.severity}::text as severity, r.household_id
          from ${name} r where ${ruleCondition(rule, thresholds)}`);
    }
  });
  const qualifies = incomeMarginal.qualifies({
    income: sql`h.monthly_income`,
    members: sql`h.member_count`,
    status: sql`h.assistance_status`,
    standard: sql`std.standard`,
    marginal: sql`std.marginal_threshold`,
  });
  branches.push(sql`
    select ${incomeMarginal.code}::text as code, ${incomeMarginal.severity}::text as severity, h.id as household_id
      from households h join ${standardsTable(standardsAt(config, options.registerAsOf))} on std.area_type = h.area_type
     where h.active and ${qualifies}`);
  const withClause = ctes.length === 0 ? sql`` : sql`with ${sql.join(ctes)}`;
  return sql`${withClause} select * from (${sql.join(branches, sql` union all `)}) x`;
}

async function countFor(
  trx: Kysely<DB>,
  config: DeploymentConfig,
  deliveries: readonly Delivery[],
  options: { at?: string; registerAsOf: string },
): Promise<SimulationCounts> {
  const signals = simulatedSignals(config, deliveries, options);
  const t = thresholdsAt(config, options.at ?? options.registerAsOf).values;
  const byTownCode = await sql<{
    town_id: number;
    town: string;
    code: string;
    signals: number;
    households: number;
  }>`
    select h.town_id, tw.name as town, s.code, count(*)::int as signals, count(distinct s.household_id)::int as households
      from (${signals}) s
      join households h on h.id = s.household_id
      join towns tw on tw.id = h.town_id
     group by h.town_id, tw.name, s.code
     order by h.town_id, s.code`.execute(trx);
  const byTownSeverity = await sql<{ town_id: number; severity: Severity; alerts: number }>`
    with hh as (
      select s.household_id,
             max(case s.severity when 'low' then 1 when 'medium' then 2 else 3 end) as base,
             count(distinct s.code) as codes
        from (${signals}) s group by s.household_id
    ),
    rated as (
      select h.town_id,
             least(3, case when hh.codes >= ${t.compoundMinCodes}::int then 3 else hh.base end
                      + case when h.refused_before then 1 else 0 end) as rank
        from hh join households h on h.id = hh.household_id
    )
    select town_id, (array['low', 'medium', 'high'])[rank] as severity, count(*)::int as alerts
      from rated group by town_id, rank order by town_id, rank`.execute(trx);

  const counts: SimulationCounts = {
    signals: 0,
    alerts: 0,
    alertsBySeverity: { low: 0, medium: 0, high: 0 },
    byCode: {},
    byTown: [],
  };
  const towns = new Map<number, SimulationCounts['byTown'][number]>();
  const town = (id: number, name: string) => {
    let entry = towns.get(id);
    if (entry === undefined) {
      entry = { townId: id, town: name, signals: 0, alerts: 0, byCode: {} };
      towns.set(id, entry);
    }
    return entry;
  };
  const townNames = new Map<number, string>();
  for (const r of byTownCode.rows) {
    townNames.set(r.town_id, r.town);
    const entry = town(r.town_id, r.town);
    entry.signals += r.signals;
    entry.byCode[r.code] = r.households;
    const code = (counts.byCode[r.code] ??= { signals: 0, households: 0 });
    code.signals += r.signals;
    code.households += r.households;
    counts.signals += r.signals;
  }
  for (const r of byTownSeverity.rows) {
    town(r.town_id, townNames.get(r.town_id) ?? '').alerts += r.alerts;
    counts.alertsBySeverity[r.severity] += r.alerts;
    counts.alerts += r.alerts;
  }
  counts.byTown = [...towns.values()].sort((a, b) => a.townId - b.townId);
  return counts;
}

/** The effective date of the area type's newest standard in `config` (null: it has none). */
function latestStandardFrom(config: DeploymentConfig, areaType: AreaType): string | null {
  const dates = config.lowIncomeStandards.filter((s) => s.areaType === areaType).map((s) => s.effectiveFrom);
  return dates.length === 0 ? null : dates.sort().at(-1)!;
}

export async function simulateRules(
  ctx: Pick<AppContext, 'config' | 'database'>,
  proposedConfig: DeploymentConfig,
  options: SimulationOptions = {},
): Promise<SimulationResult> {
  const registerAsOf = options.registerAsOf ?? options.at ?? new Date().toISOString().slice(0, 10);
  return ctx.database.db.transaction().execute(async (trx) => {
    await sql`set transaction read only`.execute(trx);
    const deliveries = await currentDeliveries(trx);
    const opts = { ...(options.at === undefined ? {} : { at: options.at }), registerAsOf };
    const proposed = await countFor(trx, proposedConfig, deliveries, opts);
    const current = await countFor(trx, ctx.config, deliveries, opts);
    const standardChange: SimulatedStandardChange[] = [];
    for (const areaType of AREA_TYPES) {
      const on = options.at ?? latestStandardFrom(proposedConfig, areaType);
      if (on === null) continue;
      const step = standardStep(proposedConfig, areaType, on);
      const counts = (await countEffects(standardChangeEffects(step)).execute(trx)).rows[0]!;
      standardChange.push({ ...step, ...counts });
    }
    return {
      deliveries: deliveries.map((d) => ({
        importId: d.id,
        feed: d.feed,
        period: d.period,
        fileName: d.file_name,
      })),
      registerAsOf,
      proposed,
      current,
      standardChange,
    };
  });
}
