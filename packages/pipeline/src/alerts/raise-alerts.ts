// Signals → household alerts → investigation tasks (domain §4 "No noise", §5).
//
// For the unattached signals a filter selects, grouped by household:
//   - an OPEN alert exists: the signals attach to it, its severity is recomputed (never lowered)
//     and its open task takes the new severity when higher (its due date then moves to created +
//     the new deadline, if earlier), with a task_events row naming the new signals;
//   - an open task exists without an open alert (its alert was closed by hand): a new OPEN alert
//     joins that task the same way — never a second task;
//   - otherwise, if every code of the group was on an alert of this household whose task closed
//     within suppressionDays, and the new severity is not higher than that alert's, the signals go
//     to a SUPPRESSED alert (no task); if not, an OPEN alert and a NEW task for the household's
//     town are created (due now + taskDeadlineDays[severity]) with a task_events row (null → NEW,
//     actor 'system').
// Severity: see severity.ts. Every signal ends attached to an alert (an alert_signals row), so a
// second run finds nothing to do (idempotent). Runs under transaction-scoped advisory locks per
// household bucket (ALERT_BUCKETS), so concurrent raises (an import's bucket jobs, a reviewed row,
// a register snapshot, a standard change) never race for the same household.
//
// How: the pending signals are copied once into a temporary table; one set-based snapshot query
// gives every pending household with its state (pendingHouseholdsQuery), read through a cursor in
// batches; decide() is pure; each batch is written by one statement (writeDecisions).
import { sql, type Kysely, type Transaction } from 'kysely';
import { thresholdsAt, type ThresholdVersion } from '@ew/config';
import { STAGE_SETTINGS_SQL, type DB, type Severity } from '@ew/db';
import { recordJob } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { analyzeStageTables } from '../pipeline/analyze.ts';
import { chunkDone, completeChunk } from '../pipeline/progress.ts';
import { StepTimer } from '../pipeline/step-timer.ts';
import { alertSeverity, severityRank, type SeverityBasis } from './severity.ts';

/** Which unattached signals to raise. */
export type SignalFilter =
  { importId: number; rowFrom?: number; rowTo?: number; bucket?: number } | { signalIds: readonly number[] };

export interface RaiseOptions {
  /** The date whose thresholds apply (window, suppression, deadlines); default today (UTC). */
  asOf?: string;
  /** Books the time of each step (for the job's debug log). */
  timer?: StepTimer;
}

export interface RaiseResult {
  signals: number;
  households: number;
  /** New OPEN alerts: with a new task, or joining a household's open task. */
  alertsOpened: number;
  /** Existing open alerts that got new signals. */
  alertsUpdated: number;
  alertsSuppressed: number;
  tasksOpened: number;
}

const ADVISORY_LOCK_KEY = 730_150_001;

/**
 * Households fall into ALERT_BUCKETS buckets (household_id modulo it). An import's alerts are
 * raised by one job per bucket, so replicas share the stage; each raise holds the advisory lock of
 * every bucket it may touch (taken in ascending order: no deadlock), so two raises never race for
 * one household. A bucket job holds one lock; any other raise (a reviewed row, a standard change,
 * a register snapshot) holds all of them.
 */
export const ALERT_BUCKETS = 4;

/**
 * Takes the advisory lock of one household bucket, or of every bucket (ascending: no deadlock),
 * for the rest of the transaction. Whatever writes a household's alerts and tasks holds it: a
 * raise, and a withdrawal of signals (withdraw-signals.ts).
 */
export async function lockAlertBuckets(trx: Kysely<DB>, bucket?: number): Promise<void> {
  const buckets = bucket !== undefined ? [bucket] : Array.from({ length: ALERT_BUCKETS }, (_, b) => b);
  for (const b of buckets)
    await sql`select pg_advisory_xact_lock(${ADVISORY_LOCK_KEY}::int, ${b}::int)`.execute(trx);
}

export const EMPTY_RAISE: RaiseResult = Object.freeze({
  signals: 0,
  households: 0,
  alertsOpened: 0,
  alertsUpdated: 0,
  alertsSuppressed: 0,
  tasksOpened: 0,
});

/** Adds `more` into `into` (batches of one raise, bucket jobs of one import). */
export function addRaised(into: RaiseResult, more: RaiseResult): RaiseResult {
  for (const key of Object.keys(EMPTY_RAISE) as (keyof RaiseResult)[]) into[key] += more[key];
  return into;
}

interface Group {
  householdId: number;
  signalIds: number[];
  codes: string[];
  severities: Severity[];
}

interface HouseholdState {
  householdId: number;
  townId: number;
  refusedBefore: boolean;
  refusedOn: string | null;
  alertId: number | null;
  alertSeverity: Severity | null;
  alertSignalSeverities: Severity[];
  openTaskId: number | null;
  openTaskStatus: string | null;
}

/** What a closed alert (task closed within suppressionDays) of the household had, per code. */
type RecentlyClosed = Map<string, { severity: Severity; alertIds: number[] }>;

/** One pending household as the snapshot query (pendingHouseholdsQuery) returns it. */
interface PendingHousehold {
  group: Group;
  state: HouseholdState;
  /** Distinct codes of the best compound window (see pendingHouseholdsQuery). */
  windowCodes: string[];
  recentlyClosed: RecentlyClosed;
}

type Decision =
  | { kind: 'attach'; group: Group; state: HouseholdState; basis: SeverityBasis }
  | { kind: 'join-task'; group: Group; state: HouseholdState; basis: SeverityBasis }
  | { kind: 'open'; group: Group; state: HouseholdState; basis: SeverityBasis }
  | { kind: 'suppress'; group: Group; state: HouseholdState; basis: SeverityBasis; suppressedBy: number[] };

type Thresholds = ThresholdVersion['values'];

const ids = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

function filterSql(filter: SignalFilter) {
  if ('importId' in filter) {
    const range =
      filter.rowFrom === undefined || filter.rowTo === undefined
        ? sql``
        : sql`and s.row_no >= ${filter.rowFrom}::int and s.row_no < ${filter.rowTo}::int`;
    const bucket =
      filter.bucket === undefined
        ? sql``
        : sql`and s.household_id % ${ALERT_BUCKETS}::int = ${filter.bucket}::int`;
    return sql`s.import_id = ${filter.importId}::bigint ${range} ${bucket}`;
  }
  return sql`s.id = any(${[...filter.signalIds]}::bigint[])`;
}

/**
 * Households per batch: bounds the worker's memory however many households an import touches.
 * Two bucket jobs run at once per replica: with 5,000 the 1M-row bench peaked at 253–265 MB RSS in
 * this stage, with 2,500 at 224 MB, at the same speed (pnpm bench pipeline).
 */
const HOUSEHOLDS_PER_BATCH = 2_500;

/**
 * Copies the signals `filter` selects that are not in an alert yet (no alert_signals row) into
 * the temporary table pending_signals; returns how many. Everything after reads this table, not
 * signals ⨝ alert_signals, which grows inside this transaction while its statistics lag behind.
 * The advisory lock keeps other raises out meanwhile.
 */
async function collectPending(trx: Transaction<DB>, filter: SignalFilter): Promise<number> {
  await sql`drop table if exists pending_signals`.execute(trx);
  await sql`
    create temporary table pending_signals on commit drop as
    select s.id, s.household_id, s.code, s.severity, s.source_period
      from signals s
     where ${filterSql(filter)}
       -- a withdrawn signal (withdraw-signals.ts) is no longer true: never raised
       and s.superseded_at is null
       and not exists (select 1 from alert_signals l where l.signal_id = s.id)
     -- in household order: the snapshot and the batches' links read it by household
     order by s.household_id, s.id`.execute(trx);
  await sql`create index on pending_signals (household_id)`.execute(trx);
  await sql`analyze pending_signals`.execute(trx);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pending_signals`.execute(trx);
  return rows[0]?.n ?? 0;
}

/** An OPEN alert whose task was closed is over: close it, so the household's next signal is judged afresh. */
async function closeFinishedAlerts(trx: Transaction<DB>): Promise<void> {
  await sql`
    update alerts a set status = 'CLOSED', updated_at = now()
      from tasks t
     where t.id = a.task_id and t.status = 'CLOSED' and a.status = 'OPEN'
       and a.household_id in (select household_id from pending_signals)`.execute(trx);
}

/**
 * Every pending household with all a decision needs, in ONE set-based statement over the state
 * before this raise writes anything (a cursor reads it in batches; its snapshot is taken when it
 * is declared, and every household appears once, so the raise's own writes never feed back):
 *   - the group: its pending signals, codes and severities;
 *   - its state: town, prior refusal, OPEN alert (with the severities of the live signals it has),
 *     open task (the alert's, or one whose alert was closed by hand);
 *   - compound risk, independent of the order signals arrive in: the most distinct codes among
 *     the household's live signals (any alert, any status; not withdrawn) that fit in one window of `windowDays`
 *     which overlaps the span of the alert being judged (pending signals plus the open alert's).
 *     A best window can always start at a signal's period, so only those starts are tried;
 *   - for a household with neither open alert nor open task: per code, the highest severity of
 *     its alerts whose task closed within `suppressionDays`, and their ids (suppression).
 *
 * auto_explain, one bucket of a 1M-row delivery (56,337 households, 100,516 signals): ~1.4 s —
 * state 0.4 s (Hash Join households ⨝ GroupAggregate over pending_signals in household order),
 * needs_window 0.75 s (Bitmap Heap Scan of signals by period, sorted, Merge Join to the spans),
 * windows not executed (no household had other signals near), closed 0.08 s.
 */
function pendingHouseholdsQuery(windowDays: number, suppressionDays: number) {
  return sql`
    with grouped as (
      -- plain aggregates (ordered or DISTINCT ones sorted each group: 3.7 s at 1M rows);
      -- toPending sorts the ids and dedupes the codes
      select household_id, array_agg(id)::text[] as signal_ids, array_agg(code) as codes,
             array_agg(severity) as severities, count(*) as signal_count,
             min(source_period) as min_period, max(source_period) as max_period
        from pending_signals
       group by household_id
    ), state as (
      select g.*, h.town_id, h.refused_before, h.refused_on,
             a.id as alert_id, a.severity as alert_severity,
             coalesce(alert_task.id, ot.id) as open_task_id,
             coalesce(alert_task.status, ot.status) as open_task_status
        from grouped g
        join households h on h.id = g.household_id
        left join alerts a on a.household_id = g.household_id and a.status = 'OPEN'
        left join tasks alert_task on alert_task.id = a.task_id and alert_task.status <> 'CLOSED'
        left join tasks ot on ot.household_id = g.household_id and ot.status <> 'CLOSED'
    ), attached as (
      select l.alert_id, array_agg(distinct x.severity) as severities,
             min(x.source_period) as min_period, max(x.source_period) as max_period
        from alert_signals l
        join signals x on x.id = l.signal_id
       where l.alert_id in (select alert_id from state where alert_id is not null)
         and x.superseded_at is null
       group by l.alert_id
    ), span as (
      select st.household_id, st.signal_count,
             least(st.min_period, coalesce(at.min_period, st.min_period)) as span_from,
             greatest(st.max_period, coalesce(at.max_period, st.max_period)) as span_to
        from state st
        left join attached at on at.alert_id = st.alert_id
    ), needs_window as (
      -- Only households with signals besides the pending ones near the span, or pending signals
      -- spread over more than one window, need the search; for the rest (the bulk of a first
      -- delivery) the best window holds all their pending codes.
      -- The signals near any span are picked by period first (one scan, hashed by household):
      -- probing signals_household for every household read most of that index per bucket.
      select sp.household_id, sp.span_from, sp.span_to
        from span sp
        join (select x.household_id, x.source_period
                from signals x
               where x.source_period between (select min(span_from) from span) - ${windowDays}::int
                                         and (select max(span_to) from span) + ${windowDays}::int
                 and x.superseded_at is null) x
          on x.household_id = sp.household_id
         and x.source_period between sp.span_from - ${windowDays}::int and sp.span_to + ${windowDays}::int
       group by sp.household_id, sp.span_from, sp.span_to, sp.signal_count
      having count(*) > sp.signal_count or sp.span_to - sp.span_from > ${windowDays}::int
    ), windows as (
      select w.household_id, w.start, array_agg(distinct s.code) as codes, count(distinct s.code) as n
        from (select distinct sp.household_id, x.source_period as start
                from needs_window sp
                join signals x on x.household_id = sp.household_id and x.superseded_at is null
                              and x.source_period between sp.span_from - ${windowDays}::int and sp.span_to) w
        join signals s on s.household_id = w.household_id and s.superseded_at is null
                      and s.source_period between w.start and w.start + ${windowDays}::int
       group by w.household_id, w.start
    ), best_window as (
      select distinct on (household_id) household_id, codes
        from windows
       order by household_id, n desc, start
    ), recent_closes as materialized (
      -- Driven from the recently closed tasks, fenced: joined from the households' side, the
      -- planner took alerts for empty while a first bulk raise was filling it (no statistics
      -- yet) and scanned it whole once per household: 33 s for 27,412 households (auto_explain).
      select a.id as alert_id, a.household_id, a.severity
        from tasks t
        join alerts a on a.task_id = t.id
       where t.status = 'CLOSED' and t.closed_at >= now() - make_interval(days => ${suppressionDays}::int)
    ), closed as (
      select household_id, jsonb_object_agg(code, jsonb_build_object('severity', severity, 'alertIds', alert_ids)) as by_code
        from (select rc.household_id, x.code,
                     (array['low', 'medium', 'high'])[max(case rc.severity when 'low' then 1 when 'medium' then 2 else 3 end)] as severity,
                     array_agg(distinct rc.alert_id) as alert_ids
                from recent_closes rc
                join state st on st.household_id = rc.household_id
                join alert_signals l on l.alert_id = rc.alert_id
                join signals x on x.id = l.signal_id
               where st.alert_id is null and st.open_task_id is null
               group by rc.household_id, x.code) per_code
       group by household_id
    )
    select st.household_id, st.signal_ids, st.codes, st.severities, st.town_id, st.refused_before,
           st.refused_on, st.alert_id, st.alert_severity, at.severities as alert_signal_severities,
           st.open_task_id, st.open_task_status, bw.codes as window_codes, c.by_code as closed
      from state st
      left join attached at on at.alert_id = st.alert_id
      left join best_window bw on bw.household_id = st.household_id
      left join closed c on c.household_id = st.household_id
     order by st.household_id`;
}

interface PendingRow {
  household_id: number;
  signal_ids: unknown;
  codes: string[];
  severities: Severity[];
  town_id: number;
  refused_before: boolean;
  refused_on: string | null;
  alert_id: number | null;
  alert_severity: Severity | null;
  alert_signal_severities: Severity[] | null;
  open_task_id: number | null;
  open_task_status: string | null;
  /** null: no search needed, the window holds all pending codes. */
  window_codes: string[] | null;
  closed: Record<string, { severity: Severity; alertIds: unknown }> | null;
}

function toPending(r: PendingRow): PendingHousehold {
  const householdId = Number(r.household_id);
  const codes = [...new Set(r.codes)].sort();
  return {
    group: {
      householdId,
      signalIds: ids(r.signal_ids).sort((a, b) => a - b),
      codes,
      severities: r.severities,
    },
    state: {
      householdId,
      townId: r.town_id,
      refusedBefore: r.refused_before,
      refusedOn: r.refused_on,
      alertId: r.alert_id === null ? null : Number(r.alert_id),
      alertSeverity: r.alert_severity,
      alertSignalSeverities: r.alert_signal_severities ?? [],
      openTaskId: r.open_task_id === null ? null : Number(r.open_task_id),
      openTaskStatus: r.open_task_status,
    },
    windowCodes: r.window_codes ?? codes,
    recentlyClosed: new Map(
      Object.entries(r.closed ?? {}).map(([code, c]) => [
        code,
        { severity: c.severity, alertIds: ids(c.alertIds) },
      ]),
    ),
  };
}

/** Reads the pending households through a cursor, HOUSEHOLDS_PER_BATCH at a time. */
async function* pendingHouseholds(
  trx: Transaction<DB>,
  windowDays: number,
  suppressionDays: number,
): AsyncGenerator<PendingHousehold[]> {
  await sql`declare pending_households no scroll cursor for ${pendingHouseholdsQuery(windowDays, suppressionDays)}`.execute(
    trx,
  );
  try {
    for (;;) {
      const { rows } =
        await sql<PendingRow>`fetch ${sql.raw(String(HOUSEHOLDS_PER_BATCH))} from pending_households`.execute(
          trx,
        );
      if (rows.length === 0) return;
      yield rows.map(toPending);
    }
  } finally {
    await sql`close pending_households`.execute(trx);
  }
}

function noteFor(codes: readonly string[], severity: Severity, what: string): string {
  return `${what}: ${[...codes].sort().join(', ')} (severity ${severity})`;
}

/** Pure: what to do with one pending household. */
function decide(p: PendingHousehold, t: Thresholds): Decision {
  const { group, state } = p;
  const basis = alertSeverity({
    signalSeverities: [...group.severities, ...state.alertSignalSeverities],
    codesInWindow: p.windowCodes,
    refusedBefore: state.refusedBefore,
    refusedOn: state.refusedOn,
    compoundWindowDays: t.compoundWindowDays,
    compoundMinCodes: t.compoundMinCodes,
    current: state.alertSeverity,
  });
  if (state.alertId !== null) return { kind: 'attach', group, state, basis };
  if (state.openTaskId !== null) return { kind: 'join-task', group, state, basis };
  const suppressing = group.codes.map((code) => {
    const c = p.recentlyClosed.get(code);
    return c !== undefined && severityRank(basis.final) <= severityRank(c.severity) ? c : undefined;
  });
  if (suppressing.every((c) => c !== undefined)) {
    const by = [...new Set(suppressing.flatMap((c) => c?.alertIds ?? []))].sort((a, b) => a - b);
    return { kind: 'suppress', group, state, basis, suppressedBy: by };
  }
  return { kind: 'open', group, state, basis };
}

/**
 * Groups the unattached signals selected by `filter` into household alerts and tasks, inside the
 * caller's transaction. Safe to call again: attached signals are never looked at twice.
 */
export async function raiseAlertsForSignals(
  trx: Transaction<DB>,
  ctx: Pick<AppContext, 'config'>,
  filter: SignalFilter,
  options: RaiseOptions = {},
): Promise<RaiseResult> {
  if ('signalIds' in filter && filter.signalIds.length === 0) return { ...EMPTY_RAISE };
  await lockAlertBuckets(trx, 'importId' in filter ? filter.bucket : undefined);
  await sql.raw(STAGE_SETTINGS_SQL).execute(trx);
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const thresholds = thresholdsAt(ctx.config, asOf).values;
  const timer = options.timer ?? new StepTimer();
  const total = { ...EMPTY_RAISE };
  const pending = await collectPending(trx, filter);
  timer.lap('collect');
  if (pending === 0) return total;
  await closeFinishedAlerts(trx);
  timer.lap('closeFinished');
  const batches = pendingHouseholds(trx, thresholds.compoundWindowDays, thresholds.suppressionDays);
  for (let batch = await batches.next(); !batch.done; batch = await batches.next()) {
    timer.lap('snapshot');
    const decisions = batch.value.map((p) => decide(p, thresholds));
    timer.lap('decide');
    const raised = await writeDecisions(trx, decisions, thresholds.taskDeadlineDays);
    timer.lap('write');
    addRaised(total, raised);
  }
  return total;
}

/** One decision as writeDecisions ships it to Postgres (one JSON document per batch). */
interface DecisionRow {
  household_id: number;
  kind: Decision['kind'];
  town_id: number;
  severity: Severity;
  /** severityRank + 1: an open task only ever takes a higher one. */
  rank: number;
  deadline_days: number;
  basis: object;
  /** The alert: new (id drawn from its sequence), or the open one it attaches to. */
  alert_id: number;
  /** The task: new (open), the open one (attach, join-task), or none (suppress). */
  task_id: number | null;
  /** The task_events row of a new task or of an open task taking new signals. */
  event: { from: string | null; to: string; note: string; detail: object } | null;
}

/** `n` ids drawn from the sequence of `table`.id (new rows then need no join to find their ids). */
async function drawIds(trx: Transaction<DB>, table: 'tasks' | 'alerts', n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await sql<{ ids: unknown }>`
    select array(select nextval(pg_get_serial_sequence(${table}, 'id')) from generate_series(1, ${n}::int))::text[] as ids`.execute(
    trx,
  );
  return ids(rows[0]?.ids);
}

function decisionRow(
  d: Decision,
  deadlines: Thresholds['taskDeadlineDays'],
  newAlertId: () => number,
  newTaskId: () => number,
): DecisionRow {
  const { group, state, basis } = d;
  const alertId = d.kind === 'attach' ? (state.alertId ?? 0) : newAlertId();
  const taskId = d.kind === 'open' ? newTaskId() : d.kind === 'suppress' ? null : state.openTaskId;
  let event: DecisionRow['event'] = null;
  if (d.kind === 'open') {
    event = {
      from: null,
      to: 'NEW',
      note: noteFor(group.codes, basis.final, 'alert raised'),
      detail: { alertId, signalIds: group.signalIds, codes: group.codes, severity: basis.final },
    };
  } else if (taskId !== null) {
    event = {
      from: state.openTaskStatus,
      to: state.openTaskStatus ?? 'NEW',
      note: noteFor(group.codes, basis.final, 'new signals attached'),
      detail: {
        alertId,
        signalIds: group.signalIds,
        codes: group.codes,
        severityFrom: state.alertSeverity,
        severityTo: basis.final,
      },
    };
  }
  return {
    household_id: group.householdId,
    kind: d.kind,
    town_id: state.townId,
    severity: basis.final,
    rank: severityRank(basis.final) + 1,
    deadline_days: deadlines[basis.final],
    basis: d.kind === 'suppress' ? { ...basis, suppressedBy: d.suppressedBy } : basis,
    alert_id: alertId,
    task_id: taskId,
    event,
  };
}

/**
 * One batch of decisions, written in ONE statement over the batch shipped as a JSON document:
 *   - open: a NEW task for the household's town, due now + deadline(severity), and an OPEN alert
 *     with it; join-task: an OPEN alert joining the open task; suppress: a SUPPRESSED alert (no task);
 *   - attach: the open alert takes the new severity and basis (never lower: see severity.ts);
 *   - an open task (attach, join-task) takes a higher severity, never a lower one, and its due
 *     date moves to created + deadline(new severity) when that is earlier;
 *   - a task_events row for each new task and each open task taking new signals;
 *   - every pending signal of the batch's households is linked to its alert (alert_signals).
 * Shipping rows through parameters costs ~8 µs a row whatever the shape (unnest arrays or JSON),
 * so the batch crosses once. New ids are drawn beforehand: joining the CTEs' RETURNING rows back
 * to the batch made the planner nest loops over 5,000 × 5,000 rows.
 *
 * auto_explain, a batch of 5,000 new households: ~210 ms — tasks 35 ms, alerts 40 ms, task
 * events 27 ms, 8,900 links 83 ms (Nested Loop over the batch with an Index Scan on
 * pending_signals (household_id)); ~8 µs a written row.
 */
async function writeDecisions(
  trx: Transaction<DB>,
  decisions: Decision[],
  deadlines: Thresholds['taskDeadlineDays'],
): Promise<RaiseResult> {
  const opened = decisions.filter((d) => d.kind === 'open').length;
  const created = decisions.filter((d) => d.kind !== 'attach').length;
  const taskIds = await drawIds(trx, 'tasks', opened);
  const alertIds = await drawIds(trx, 'alerts', created);
  let nextTask = 0;
  let nextAlert = 0;
  const rows = decisions.map((d) =>
    decisionRow(
      d,
      deadlines,
      () => alertIds[nextAlert++]!,
      () => taskIds[nextTask++]!,
    ),
  );
  await sql`
    with d as materialized (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(
        household_id bigint, kind text, town_id int, severity text, rank int, deadline_days int,
        basis jsonb, alert_id bigint, task_id bigint, event jsonb)
    ), new_tasks as (
      insert into tasks (id, household_id, town_id, status, severity, due_at, codes)
      select d.task_id, d.household_id, d.town_id, 'NEW', d.severity, now() + make_interval(days => d.deadline_days),
             array(select jsonb_array_elements_text(d.event->'detail'->'codes') order by 1)
        from d where d.kind = 'open'
    ), new_alerts as (
      insert into alerts (id, household_id, task_id, severity, status, severity_basis)
      select d.alert_id, d.household_id, d.task_id, d.severity,
             case d.kind when 'suppress' then 'SUPPRESSED' else 'OPEN' end, d.basis
        from d where d.kind <> 'attach'
    ), updated_alerts as (
      update alerts a set severity = d.severity, severity_basis = d.basis, updated_at = now()
        from d where d.kind = 'attach' and a.id = d.alert_id
    ), touched as (
      -- an open task taking signals: its codes grow; a higher severity raises it and may bring
      -- its deadline forward (never back)
      select d.task_id, d.severity, t.severity as old_severity,
             d.rank > (case t.severity when 'low' then 1 when 'medium' then 2 else 3 end) as raised,
             least(t.due_at, t.created_at + make_interval(days => d.deadline_days)) as raised_due_at,
             t.due_at as old_due_at,
             array(select distinct c from unnest(t.codes || array(
               select jsonb_array_elements_text(d.event->'detail'->'codes'))) c order by 1) as codes
        from d join tasks t on t.id = d.task_id
       where d.kind in ('attach', 'join-task')
    ), updated_tasks as (
      update tasks t
         set severity = case when x.raised then x.severity else t.severity end,
             due_at = case when x.raised then x.raised_due_at else t.due_at end,
             codes = x.codes
        from touched x
       where t.id = x.task_id
    ), events as (
      -- the deadline rides on the event that sets or moves it (reports read deadlines from events)
      insert into task_events (task_id, from_status, to_status, action, actor, town_id, note, detail)
      select d.task_id, d.event->>'from', d.event->>'to',
             case when d.kind = 'open' then 'open' else 'signals_attached' end, 'system',
             case when d.kind = 'open' then d.town_id end, d.event->>'note',
             d.event->'detail' || case
               when d.kind = 'open' then jsonb_build_object(
                 'source', 'ALERT', 'dueAt', now() + make_interval(days => d.deadline_days))
               when x.raised and x.raised_due_at < x.old_due_at then jsonb_build_object('dueAt', x.raised_due_at)
               else '{}'::jsonb end
        from d left join touched x on x.task_id = d.task_id
       where d.event is not null
    )
    -- no 'on conflict': a pending signal has no link by definition, and the bucket's advisory
    -- lock keeps every other raise of its households out (speculative inserts cost about twice
    -- a plain one: matches, 950k rows, 3.6–5.0 s vs 8.0–8.5 s)
    insert into alert_signals (signal_id, alert_id)
    select p.id, d.alert_id from d join pending_signals p on p.household_id = d.household_id`.execute(trx);
  return {
    signals: decisions.reduce((n, d) => n + d.group.signalIds.length, 0),
    households: decisions.length,
    alertsOpened: created - decisions.filter((d) => d.kind === 'suppress').length,
    alertsUpdated: decisions.length - created,
    alertsSuppressed: decisions.filter((d) => d.kind === 'suppress').length,
    tasksOpened: opened,
  };
}

export type RaiseAlertsOutcome =
  | { outcome: 'skipped'; reason: 'import-gone' | 'already-done' }
  | ({ outcome: 'raised'; bucket: number | null } & RaiseResult);

/**
 * The evaluate stage's last chunk hands over: one raiseAlerts job per household bucket, each with
 * its import_chunks row of stage 'alerts' (the last to finish marks the import EVALUATED).
 */
export async function recordRaiseAlertsJobs(trx: Transaction<DB>, importId: number): Promise<void> {
  const buckets = Array.from({ length: ALERT_BUCKETS }, (_, bucket) => bucket);
  await trx
    .insertInto('import_chunks')
    .values(buckets.map((chunk) => ({ import_id: importId, stage: 'alerts' as const, chunk })))
    .onConflict((oc) => oc.columns(['import_id', 'stage', 'chunk']).doNothing())
    .execute();
  for (const bucket of buckets) await recordJob(trx, 'raiseAlerts', { importId, bucket });
}

/**
 * The raiseAlerts job: an import's new signals of one household bucket (or of all households,
 * without one) become alerts and tasks; when no bucket is left, the import is EVALUATED. One
 * transaction; thresholds in force at the import's period. A redelivered bucket does nothing.
 */
export async function raiseAlerts(
  ctx: AppContext,
  payload: { importId: number; bucket?: number | undefined },
): Promise<RaiseAlertsOutcome> {
  const { importId, bucket } = payload;
  const timer = new StepTimer();
  let stageDone = false;
  const result = await ctx.database.db.transaction().execute(async (trx): Promise<RaiseAlertsOutcome> => {
    const imp = await trx
      .selectFrom('imports')
      .select(['id', 'period'])
      .where('id', '=', importId)
      .executeTakeFirst();
    if (imp === undefined) return { outcome: 'skipped', reason: 'import-gone' };
    if (bucket !== undefined) {
      // a concurrent redelivery of this bucket waits here, then sees it done
      await trx
        .selectFrom('import_chunks')
        .select('chunk')
        .where('import_id', '=', importId)
        .where('stage', '=', 'alerts')
        .where('chunk', '=', bucket)
        .forUpdate()
        .execute();
      if (await chunkDone(trx, importId, 'alerts', bucket))
        return { outcome: 'skipped', reason: 'already-done' };
    }
    const raised = await raiseAlertsForSignals(trx, ctx, { importId, bucket }, { asOf: imp.period, timer });
    const last = bucket === undefined || (await completeChunk(trx, importId, 'alerts', bucket)) === 'last';
    stageDone = last;
    if (last) {
      await trx
        .updateTable('imports')
        .set({ status: 'EVALUATED', finished_at: sql<Date>`coalesce(finished_at, now())` })
        .where('id', '=', importId)
        .where('status', 'in', ['STAGED', 'MATCHING', 'MATCHED'])
        .execute();
    }
    return { outcome: 'raised', bucket: bucket ?? null, ...raised };
  });
  timer.lap('commit');
  if (stageDone) {
    await analyzeStageTables(ctx, 'alerts', importId);
    timer.lap('analyze');
  }
  ctx.logger.info({ importId, ...result, ms: timer.ms }, 'alerts raised');
  return result;
}
