// The statistics table (社会救助扩围增效工作统计表, domain §6) of one reporting period: one row per
// town plus the total, computed by ONE set-based statement (and one for the towns' names).
//
// Every figure comes from timestamped rows at or before the period's end, so a past period gives
// the same numbers later, whatever happened since (closes, transfers, new signals):
//   - households / persons screened (比对户数/人数): the distinct persons with a match made in the
//     period (matches.matched_at in [from, to), method ID, FALLBACK or MANUAL — a row tied to a
//     register person; REVIEW, CONFLICT, OUTSIDE and UNMATCHED are not), and their households, in
//     the household's town. A match row is only ever written (or turned from REVIEW into MANUAL,
//     with a new matched_at) and never removed, so the set is stable. The town is the register's
//     (households.town_id, not timestamped): a household that later moves in a register snapshot
//     moves its screened count with it; the total does not change.
//   - alerts (预警): alerts created in the period that were raised (status not SUPPRESSED, a state
//     an alert is born with), in the town of their task at the moment (the register's town for an
//     alert without a task). By code: an alert counts once under each distinct code of its signals
//     created before the period's end (signals attached later, in another period, do not count)
//     and not withdrawn before it (a signal found no longer true — a new standard, a corrected
//     file — within the period is not counted; withdrawn later, it still counts where it was raised).
//   - tasks opened (新增): `open` events in the period, in the event's town.
//   - closed (办结): events to CLOSED by `close` or `approve` in the period, in the task's town at
//     that moment (the town_id of its latest event at or before it that has one; contract "Task
//     events"). Their detail says the outcome and the amount: households newly included as
//     marginal (distinct households of INCLUDED_MARGINAL closes; a hand-opened case of a person
//     outside the register counts as one household), aid cases and amounts per aid outcome,
//     referrals (REFERRED_DIBAO).
//   - open at the end (期末在办) and overdue at the end (期末逾期): tasks opened before the end and
//     not closed before it, in their town at the end; overdue when their deadline as of the end
//     (detail.dueAt of their latest event before it that has one) is before the end. A task whose
//     events never carried a dueAt (rows from before the casework schema) falls back to
//     tasks.due_at.
import { sql, type Transaction } from 'kysely';
import { STAGE_SETTINGS_SQL, type Database, type DB } from '@ew/db';
import { RULE_CODES, TOTAL_LABEL } from './labels.ts';
import { parsePeriod, type Period } from './period.ts';
import { closes, deadlineBefore, openTasksBefore, townAsOf, ts } from './task-state.ts';

export interface AidFigure {
  cases: number;
  /** CNY, 2 decimals. */
  amount: number;
}

export interface StatsRow {
  /** null on the total row. */
  townId: number | null;
  town: string;
  householdsScreened: number;
  personsScreened: number;
  alerts: number;
  alertsByCode: Record<string, number>;
  tasksOpened: number;
  tasksClosed: number;
  tasksOpenAtEnd: number;
  tasksOverdueAtEnd: number;
  includedMarginal: number;
  aidEmergency: AidFigure;
  aidExpense: AidFigure;
  caseByCase: AidFigure;
  referredDibao: number;
}

export interface StatsTable {
  period: string;
  firstDay: string;
  lastDay: string;
  /** ISO UTC, inclusive. */
  from: string;
  /** ISO UTC, exclusive. */
  to: string;
  /** The code columns, in order: every rule code, then any other code found. */
  codes: string[];
  towns: StatsRow[];
  total: StatsRow;
}

interface FigureRow {
  metric: string;
  town_id: number | null;
  is_total: boolean;
  code: string | null;
  value: number;
}

/**
 * The long-format figures of a period: (metric, town or total, code, value). The bounds are
 * literal parameters wherever they are compared (not a CTE): the planner then estimates each
 * range from its statistics. Per-row look-ups (a task's town, deadline and household, a
 * person's household, a household's town, an alert's codes) are scalar subqueries over one row's
 * few index entries, so no step reads a whole table; each runs over its rows sorted by the key it
 * probes, so the probes walk the index (and the heap, where ids follow time) in order instead of
 * at random: at 1M tasks the random order read ~180,000 pages for the open tasks alone.
 */
export function figuresQuery(from: Date, to: Date) {
  const t0 = ts(from);
  const t1 = ts(to);
  return sql<FigureRow>`
    with screened_persons as materialized (
      select distinct m.person_id
        from matches m
       where m.matched_at >= ${t0} and m.matched_at < ${t1}
         and m.method in ('ID', 'FALLBACK', 'MANUAL') and m.person_id is not null
       order by m.person_id
    ), screened_households as materialized (
      select household_id, count(*) as persons
        from (select (select p.household_id from persons p where p.id = sp.person_id) as household_id
                from screened_persons sp) x
       group by household_id
       order by household_id
    ), screened as (
      select town_id, grouping(town_id) = 1 as is_total, count(*) as households, sum(persons) as persons
        from (select (select h.town_id from households h where h.id = sh.household_id) as town_id, sh.persons
                from screened_households sh) x
       group by grouping sets ((town_id), ())
    ), period_alerts as materialized (
      select a.id,
             coalesce(${townAsOf('a.task_id', sql`a.created_at`)},
                      (select h.town_id from households h where h.id = a.household_id)) as town_id
        from (select a.id, a.task_id, a.household_id, a.created_at
                from alerts a
               where a.created_at >= ${t0} and a.created_at < ${t1} and a.status <> 'SUPPRESSED'
               order by a.task_id) a
    ), alert_codes as (
      select pa.town_id, c.code
        from period_alerts pa
        cross join lateral unnest(array(
          select distinct s.code
            from alert_signals l
            join signals s on s.id = l.signal_id
           where l.alert_id = pa.id and s.created_at < ${t1}
             and (s.superseded_at is null or s.superseded_at >= ${t1}))) as c(code)
    ), opened as (
      select ev.town_id, grouping(ev.town_id) = 1 as is_total, count(*) as n
        from task_events ev
       where ev.action = 'open' and ev.at >= ${t0} and ev.at < ${t1}
       group by grouping sets ((ev.town_id), ())
    ), period_closes as materialized (
      select ev.task_id, ev.detail->>'outcome' as outcome, (ev.detail->>'aidAmount')::numeric as amount,
             ${townAsOf('ev.task_id', sql`ev.at`)} as town_id,
             -- a hand-opened case of a person outside the register is a household of its own
             coalesce((select t.household_id from tasks t where t.id = ev.task_id), -ev.task_id) as household
        from (select ev.task_id, ev.detail, ev.at
                from task_events ev
               where ${closes('ev')} and ev.at >= ${t0} and ev.at < ${t1}
               order by ev.task_id) ev
    ), closes as (
      select c.town_id, grouping(c.town_id) = 1 as is_total, count(*) as closed,
             count(distinct c.household) filter (where c.outcome = 'INCLUDED_MARGINAL') as included,
             count(*) filter (where c.outcome = 'TEMP_AID_EMERGENCY') as emergency_cases,
             coalesce(sum(c.amount) filter (where c.outcome = 'TEMP_AID_EMERGENCY'), 0) as emergency_amount,
             count(*) filter (where c.outcome = 'TEMP_AID_EXPENSE') as expense_cases,
             coalesce(sum(c.amount) filter (where c.outcome = 'TEMP_AID_EXPENSE'), 0) as expense_amount,
             count(*) filter (where c.outcome = 'CASE_BY_CASE') as cbc_cases,
             coalesce(sum(c.amount) filter (where c.outcome = 'CASE_BY_CASE'), 0) as cbc_amount,
             count(*) filter (where c.outcome = 'REFERRED_DIBAO') as referred
        from period_closes c
       group by grouping sets ((c.town_id), ())
    ), open_at_end as materialized (
      -- in task order already when it is the Merge Anti Join of migration T0020's indexes
      select task_id from (${openTasksBefore(t1)}) o order by task_id
    ), end_state as (
      select oe.task_id, ${townAsOf('oe.task_id', t1, '<')} as town_id, ${deadlineBefore('oe.task_id', t1)} as due_at
        from open_at_end oe
    ), at_end as (
      select e.town_id, grouping(e.town_id) = 1 as is_total, count(*) as open,
             count(*) filter (where e.due_at < ${t1}) as overdue
        from end_state e
       group by grouping sets ((e.town_id), ())
    )
    select 'householdsScreened' as metric, town_id, is_total, null as code, households::numeric as value from screened
    union all select 'personsScreened', town_id, is_total, null, persons from screened
    union all select 'alerts', town_id, grouping(town_id) = 1, null, count(*) from period_alerts
              group by grouping sets ((town_id), ())
    union all select 'alertsByCode', town_id, grouping(town_id) = 1, code, count(*) from alert_codes
              group by grouping sets ((town_id, code), (code))
    union all select 'tasksOpened', town_id, is_total, null, n from opened
    union all select 'tasksClosed', town_id, is_total, null, closed from closes
    union all select 'includedMarginal', town_id, is_total, null, included from closes
    union all select 'aidEmergency.cases', town_id, is_total, null, emergency_cases from closes
    union all select 'aidEmergency.amount', town_id, is_total, null, emergency_amount from closes
    union all select 'aidExpense.cases', town_id, is_total, null, expense_cases from closes
    union all select 'aidExpense.amount', town_id, is_total, null, expense_amount from closes
    union all select 'caseByCase.cases', town_id, is_total, null, cbc_cases from closes
    union all select 'caseByCase.amount', town_id, is_total, null, cbc_amount from closes
    union all select 'referredDibao', town_id, is_total, null, referred from closes
    union all select 'tasksOpenAtEnd', town_id, is_total, null, open from at_end
    union all select 'tasksOverdueAtEnd', town_id, is_total, null, overdue from at_end`;
}

function emptyRow(townId: number | null, town: string): StatsRow {
  return {
    townId,
    town,
    householdsScreened: 0,
    personsScreened: 0,
    alerts: 0,
    alertsByCode: {},
    tasksOpened: 0,
    tasksClosed: 0,
    tasksOpenAtEnd: 0,
    tasksOverdueAtEnd: 0,
    includedMarginal: 0,
    aidEmergency: { cases: 0, amount: 0 },
    aidExpense: { cases: 0, amount: 0 },
    caseByCase: { cases: 0, amount: 0 },
    referredDibao: 0,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function apply(row: StatsRow, f: FigureRow): void {
  const value = Number(f.value);
  const [key, part] = f.metric.split('.') as [string, string | undefined];
  if (key === 'alertsByCode') {
    row.alertsByCode[f.code ?? '?'] = value;
  } else if (part !== undefined) {
    const aid = row[key as 'aidEmergency' | 'aidExpense' | 'caseByCase'];
    if (part === 'cases') aid.cases = value;
    else aid.amount = round2(value);
  } else {
    (row as unknown as Record<string, number>)[key] = value;
  }
}

/** The statistics table of a period (an id `YYYY-MM-14|28`, or a parsed period). */
export async function computeStats(
  db: Database | Transaction<DB>,
  period: string | Period,
): Promise<StatsTable> {
  const p = typeof period === 'string' ? parsePeriod(period) : period;
  // the stages' work_mem (sorts and hashes of ~100k rows stay in memory); no parallel workers: on
  // the two cores the API and the workers share, they only compete with them
  const run = async (trx: Transaction<DB>) => {
    await sql.raw(STAGE_SETTINGS_SQL).execute(trx);
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return (await figuresQuery(p.from, p.to).execute(trx)).rows;
  };
  const rows = db.isTransaction ? await run(db as Transaction<DB>) : await db.transaction().execute(run);
  // every town (the register's towns exist from its first load, usually after the first periods
  // it covers: a town with nothing in a period is a row of zeros)
  const towns = await db.selectFrom('towns').select(['id', 'name']).orderBy('name').orderBy('id').execute();
  const byTown = new Map(towns.map((t) => [t.id, emptyRow(t.id, t.name)]));
  const total = emptyRow(null, TOTAL_LABEL);
  const found = new Set<string>();
  for (const f of rows) {
    if (f.code !== null) found.add(f.code);
    let target = total;
    if (!f.is_total) {
      const key = f.town_id ?? -1;
      let row = byTown.get(key);
      if (row === undefined) {
        row = emptyRow(f.town_id, f.town_id === null ? '(未知)' : `#${f.town_id}`);
        byTown.set(key, row);
      }
      target = row;
    }
    apply(target, f);
  }
  const known = new Set<string>(RULE_CODES);
  const codes = [...RULE_CODES, ...[...found].filter((c) => !known.has(c)).sort()];
  for (const row of [...byTown.values(), total]) {
    row.alertsByCode = Object.fromEntries(codes.map((c) => [c, row.alertsByCode[c] ?? 0]));
  }
  return {
    period: p.id,
    firstDay: p.firstDay,
    lastDay: p.lastDay,
    from: p.from.toISOString(),
    to: p.to.toISOString(),
    codes,
    towns: [...byTown.values()],
    total,
  };
}
