// The task queue (domain §5): what a caseworker sees of their town's tasks, and a supervisor of all
// towns. Ordered by priority: severity (high first), then the number of distinct signal codes
// (compound risk first), then the deadline, then the id — one ascending key `tasks.queue_order`
// (migration T0017) so that a page is a range of one index and the cursor a row comparison.
import { sql, type Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { z } from 'zod';
import { maskName } from '@ew/core';
import type { DB, Severity, TaskOutcome, TaskSource, TaskStatus } from '@ew/db';
import { townScope, type Actor } from './actor.ts';
import { CaseworkError } from './errors.ts';

export const TASK_STATUSES = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'PENDING_APPROVAL',
  'CLOSED',
] as const satisfies readonly TaskStatus[];
export const TASK_SOURCES = [
  'ALERT',
  'WALK_IN',
  'VILLAGE_REPORT',
  'PHONE',
  'OTHER',
] as const satisfies readonly TaskSource[];
export const SEVERITIES = ['high', 'medium', 'low'] as const satisfies readonly Severity[];

export interface TaskSummary {
  taskId: number;
  version: number;
  status: TaskStatus;
  severity: Severity;
  codes: string[];
  codeCount: number;
  dueAt: Date;
  overdue: boolean;
  createdAt: Date;
  closedAt: Date | null;
  outcome: TaskOutcome | null;
  aidAmount: number | null;
  source: TaskSource;
  householdNo: string | null;
  /** The head of household's (or a hand-opened case's person's) name, masked: surname only. */
  subjectName: string | null;
  village: string | null;
  address: string | null;
  town: string;
  townId: number;
  assignedTo: { id: number; username: string; displayName: string } | null;
  paperworkDueAt: Date | null;
  paperworkOverdue: boolean;
  /**
   * How many of the task's signals were withdrawn since they were raised (no longer true: a new
   * low-income standard, a corrected file; pipeline alerts/withdraw-signals.ts). The console shows
   * 部分信号已撤销 when it is not 0; `codes` and `codeCount` count live signals only.
   */
  signalsWithdrawn: number;
}

/** Not closed, as the partial indexes of open tasks state it (a literal: see listTasks). */
export const OPEN = sql<boolean>`(t.status <> 'CLOSED')`;
/** Open and past its deadline. */
export const OVERDUE = sql<boolean>`(t.status <> 'CLOSED' and t.due_at < now())`;
/** Closed with the paperwork still due, past its deadline. */
export const PAPERWORK_OVERDUE = sql<boolean>`(t.paperwork_due_at is not null and t.paperwork_done_at is null and t.paperwork_due_at < now())`;

/** Tasks as the queue shows them, confined to the actor's town scope (the ONE place it is applied). */
export function scopedTasks(db: Kysely<DB>, actor: Actor) {
  return tasksIn(db, townScope(actor));
}

/** Tasks of one town (null: all towns). Callers outside this module go through `scopedTasks`. */
function tasksIn(db: Kysely<DB>, scope: number | null) {
  let query = db
    .selectFrom('tasks as t')
    .leftJoin('households as h', 'h.id', 't.household_id')
    .innerJoin('towns as tw', 'tw.id', 't.town_id')
    .leftJoin('users as u', 'u.id', 't.assigned_to')
    .select([
      't.id',
      't.version',
      't.status',
      't.severity',
      't.codes',
      't.queue_order',
      't.due_at',
      // the cursor's copy of the deadline, to the microsecond (a JS Date keeps milliseconds only)
      sql<string>`to_char(t.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('due_key'),
      't.created_at',
      't.closed_at',
      't.outcome',
      't.aid_amount',
      't.source',
      't.household_id',
      'h.household_no',
      't.town_id',
      'tw.name as town',
      't.assigned_to',
      'u.username as assignee_username',
      'u.display_name as assignee_display_name',
      't.paperwork_due_at',
      OVERDUE.as('overdue'),
      PAPERWORK_OVERDUE.as('paperwork_overdue'),
      't.signals_withdrawn',
      sql<string | null>`coalesce(h.village, t.subject_village)`.as('village'),
      sql<string | null>`coalesce(h.address, t.subject_address)`.as('address'),
      sql<string | null>`coalesce(t.subject_name, (
        select p.name from persons p
         where p.household_id = t.household_id and p.active
         order by (p.relation = 'HEAD') desc, p.id limit 1))`.as('subject_name'),
    ]);
  if (scope !== null) query = query.where('t.town_id', '=', scope);
  return query;
}

type TaskRow = Awaited<ReturnType<ReturnType<typeof tasksIn>['execute']>>[number];
/** A task row as JSON gives it (listTasks): timestamps as text. */
type TaskJsonRow = {
  [K in keyof TaskRow]: TaskRow[K] extends Date
    ? string
    : TaskRow[K] extends Date | null
      ? string | null
      : TaskRow[K];
};

const asDate = (v: Date | string): Date => (typeof v === 'string' ? new Date(v) : v);
const asDateOrNull = (v: Date | string | null): Date | null => (v === null ? null : asDate(v));

export function summaryOf(r: TaskRow | TaskJsonRow): TaskSummary {
  return {
    taskId: r.id,
    version: r.version,
    status: r.status,
    severity: r.severity,
    codes: r.codes,
    codeCount: r.codes.length,
    dueAt: asDate(r.due_at),
    overdue: r.overdue,
    createdAt: asDate(r.created_at),
    closedAt: asDateOrNull(r.closed_at),
    outcome: r.outcome,
    aidAmount: r.aid_amount,
    source: r.source,
    householdNo: r.household_no,
    subjectName: r.subject_name === null ? null : maskName(r.subject_name),
    village: r.village,
    address: r.address,
    town: r.town,
    townId: r.town_id,
    assignedTo:
      r.assigned_to === null
        ? null
        : {
            id: r.assigned_to,
            username: r.assignee_username ?? '',
            displayName: r.assignee_display_name ?? '',
          },
    paperworkDueAt: asDateOrNull(r.paperwork_due_at),
    paperworkOverdue: r.paperwork_overdue,
    signalsWithdrawn: r.signals_withdrawn,
  };
}

/** One task of the actor's scope, or NOT_FOUND (another town's task does not exist for them). */
export async function findTask(db: Kysely<DB>, actor: Actor, taskId: number): Promise<TaskSummary> {
  return findIn(db, townScope(actor), taskId);
}

/**
 * The task just acted on, whatever its town now: a caseworker who transferred a task sees the
 * result of their own action once (it is another town's task from then on).
 */
export async function taskAfterAction(db: Kysely<DB>, taskId: number): Promise<TaskSummary> {
  return findIn(db, null, taskId);
}

async function findIn(db: Kysely<DB>, scope: number | null, taskId: number): Promise<TaskSummary> {
  const row = await tasksIn(db, scope).where('t.id', '=', taskId).executeTakeFirst();
  if (row === undefined) throw new CaseworkError('NOT_FOUND', `no task ${taskId}`);
  return summaryOf(row);
}

const flag = z.stringbool();
const cursorKey = z.tuple([z.number().int(), z.iso.datetime({ precision: 6 }), z.number().int().positive()]);

/** The queue's filters, as the API's query string and the CLI's options give them. */
export const queueFilter = z.strictObject({
  /** One status, or OPEN (the default): every status but CLOSED. */
  status: z.enum([...TASK_STATUSES, 'OPEN']).default('OPEN'),
  severity: z.enum(SEVERITIES).optional(),
  /** A rule code the task's signals carry (e.g. EDU_DROPOUT). */
  code: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,40}$/, 'a rule code such as EDU_DROPOUT')
    .optional(),
  overdue: flag.optional(),
  village: z.string().trim().min(1).max(100).optional(),
  /** `me`, or a user id. */
  assignee: z.union([z.literal('me'), z.coerce.number().int().positive()]).optional(),
  /** `none`: not assigned to anyone. */
  unassigned: flag.optional(),
  source: z.enum(TASK_SOURCES).optional(),
  /** Supervisors: one town by id (for a caseworker it can only narrow their own town). */
  townId: z.coerce.number().int().positive().optional(),
  /** Tasks closed with their paperwork still due. */
  paperworkDue: flag.optional(),
  /** With paperworkDue: only (or never) those past the paperwork's deadline. */
  paperworkOverdue: flag.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
/** Parsed filters; status defaults to OPEN, limit to 50. */
export type QueueFilter = Partial<z.output<typeof queueFilter>>;

export interface QueuePage {
  tasks: TaskSummary[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

function decodeCursor(cursor: string): [number, string, number] {
  try {
    return cursorKey.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new CaseworkError('VALIDATION_FAILED', 'cursor: not a cursor this queue gave');
  }
}

function encodeCursor(r: TaskRow | TaskJsonRow): string {
  return Buffer.from(JSON.stringify([r.queue_order, r.due_key, r.id])).toString('base64url');
}

export async function listTasks(db: Kysely<DB>, actor: Actor, input: QueueFilter): Promise<QueuePage> {
  const f = { status: 'OPEN' as const, limit: 50, ...input };
  let query = scopedTasks(db, actor);
  // The enumerated filters (status, severity, source, code) and the LIMIT are literals, not
  // parameters: the open-task indexes are partial (status <> 'CLOSED'), and how many tasks carry
  // a code differs widely. Postgres keeps a prepared statement's one generic plan only when it
  // looks no dearer than planning for the values given — with these as parameters it planned the
  // queue anew on every request (~1 ms, twice its execution at 1M tasks; pg_prepared_statements:
  // 10 custom plans of 10 runs). Their values are checked (queueFilter: enums, a code's pattern),
  // so a few dozen statement texts at most.
  if (f.status === 'OPEN') query = query.where(OPEN);
  else query = query.where('t.status', '=', sql.lit(f.status));
  if (f.severity !== undefined) query = query.where('t.severity', '=', sql.lit(f.severity));
  if (f.code !== undefined) query = query.where(sql<boolean>`t.codes @> array[${sql.lit(f.code)}]::text[]`);
  if (f.overdue !== undefined) query = query.where(f.overdue ? OVERDUE : sql<boolean>`not ${OVERDUE}`);
  if (f.village !== undefined)
    query = query.where(sql<boolean>`coalesce(h.village, t.subject_village) = ${f.village}`);
  if (f.assignee !== undefined)
    query = query.where('t.assigned_to', '=', f.assignee === 'me' ? actor.id : f.assignee);
  if (f.unassigned === true) query = query.where('t.assigned_to', 'is', null);
  if (f.source !== undefined) query = query.where('t.source', '=', sql.lit(f.source));
  if (f.townId !== undefined) query = query.where('t.town_id', '=', f.townId);
  if (f.paperworkDue === true) {
    query = query.where('t.paperwork_due_at', 'is not', null).where('t.paperwork_done_at', 'is', null);
  }
  if (f.paperworkOverdue !== undefined) {
    query = query.where(f.paperworkOverdue ? PAPERWORK_OVERDUE : sql<boolean>`not ${PAPERWORK_OVERDUE}`);
  }
  if (f.cursor !== undefined) {
    const [order, due, id] = decodeCursor(f.cursor);
    query = query.where(
      sql<boolean>`(t.queue_order, t.due_at, t.id) > (${order}, ${due}::timestamptz, ${id})`,
    );
  }
  // the page as one JSON value: Postgres builds it, and one JSON.parse reads it — pg's parsing of
  // 51 rows × 28 columns field by field cost more of the API's CPU than the statement did of
  // Postgres's (bench api)
  const { rows: pageRows } = await db
    .selectNoFrom(
      jsonArrayFrom(
        query
          .orderBy('t.queue_order')
          .orderBy('t.due_at')
          .orderBy('t.id')
          .limit(sql.lit(f.limit + 1)),
      ).as('rows'),
    )
    .executeTakeFirstOrThrow();
  const rows: TaskJsonRow[] = pageRows;
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return {
    tasks: page.map(summaryOf),
    nextCursor: rows.length > f.limit && last !== undefined ? encodeCursor(last) : null,
  };
}

/**
 * The next moment a task of the actor's scope crosses a deadline — its own while open, or its
 * paperwork's while due: what a queue page shows as overdue (and which tasks an `overdue` filter
 * selects) changes then without any write. Null when no deadline lies ahead. Two index look-ups
 * (tasks_open_due, tasks_paperwork_due).
 */
export async function queueChangesAt(db: Kysely<DB>, actor: Actor): Promise<Date | null> {
  const scope = townScope(actor);
  const inScope = scope === null ? sql<boolean>`true` : sql<boolean>`t.town_id = ${scope}`;
  const { rows } = await sql<{ at: Date | null }>`
    select least(
      (select min(t.due_at) from tasks t where ${OPEN} and t.due_at > now() and ${inScope}),
      (select min(t.paperwork_due_at) from tasks t
        where t.paperwork_due_at is not null and t.paperwork_done_at is null
          and t.paperwork_due_at > now() and ${inScope})) as at`.execute(db);
  return rows[0]?.at ?? null;
}

export interface TownCounts {
  townId: number;
  town: string;
  open: number;
  overdue: number;
  unassigned: number;
  pendingApproval: number;
  paperworkDue: number;
  paperworkOverdue: number;
}

/** Counts per town of the actor's scope (the supervisor's overview). */
export async function townCounts(db: Kysely<DB>, actor: Actor): Promise<TownCounts[]> {
  const scope = townScope(actor);
  const rows = await sql<{
    town_id: number;
    town: string;
    open: number;
    overdue: number;
    unassigned: number;
    pending_approval: number;
    paperwork_due: number;
    paperwork_overdue: number;
  }>`
    select tw.id as town_id, tw.name as town,
           count(t.id) filter (where t.status <> 'CLOSED')::int as open,
           count(t.id) filter (where ${OVERDUE})::int as overdue,
           count(t.id) filter (where t.status <> 'CLOSED' and t.assigned_to is null)::int as unassigned,
           count(t.id) filter (where t.status = 'PENDING_APPROVAL')::int as pending_approval,
           count(t.id) filter (where t.paperwork_due_at is not null and t.paperwork_done_at is null)::int as paperwork_due,
           count(t.id) filter (where ${PAPERWORK_OVERDUE})::int as paperwork_overdue
      from towns tw
      left join tasks t on t.town_id = tw.id
           and (t.status <> 'CLOSED' or (t.paperwork_due_at is not null and t.paperwork_done_at is null))
     where ${scope === null ? sql<boolean>`true` : sql<boolean>`tw.id = ${scope}`}
     group by tw.id, tw.name
     order by tw.name`.execute(db);
  return rows.rows.map((r) => ({
    townId: r.town_id,
    town: r.town,
    open: r.open,
    overdue: r.overdue,
    unassigned: r.unassigned,
    pendingApproval: r.pending_approval,
    paperworkDue: r.paperwork_due,
    paperworkOverdue: r.paperwork_overdue,
  }));
}
