// Small helpers for the end-to-end pipeline test: wait for imports to go through the real
// queues, read back what the pipeline wrote, and print tables for the closing note.
import { sql } from 'kysely';
import type { AppContext } from '@ew/pipeline/context';
import type { Runtime } from '@ew/pipeline/runtime';

const TERMINAL = new Set(['EVALUATED', 'REFUSED', 'FAILED', 'REPLACED']);

/** Relays the outbox and polls `imports.status` until every import is terminal (or times out). */
export async function waitForImports(
  ctx: AppContext,
  runtime: Runtime,
  importIds: readonly number[],
  timeoutMs = 90_000,
): Promise<Record<number, string>> {
  const started = Date.now();
  await runtime.relay();
  for (;;) {
    const rows = await ctx.database.db
      .selectFrom('imports')
      .select(['id', 'status'])
      .where('id', 'in', [...importIds])
      .execute();
    const status = Object.fromEntries(rows.map((r) => [r.id, r.status])) as Record<number, string>;
    if (rows.length === importIds.length && rows.every((r) => TERMINAL.has(r.status))) return status;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`imports not finished after ${timeoutMs} ms: ${JSON.stringify(status)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface DbSignal {
  feed: string;
  code: string;
  period: string;
  personId: string | null;
  householdNo: string;
  severity: string;
  importId: number | null;
  rowNo: number | null;
  alertId: number | null;
}

export async function readSignals(ctx: AppContext): Promise<DbSignal[]> {
  const { rows } = await sql<DbSignal>`
    select s.feed, s.code, s.source_period::text as period, p.id_number as "personId",
           h.household_no as "householdNo", s.severity, s.import_id::int as "importId",
           s.row_no as "rowNo", l.alert_id::int as "alertId"
      from signals s
      left join alert_signals l on l.signal_id = s.id
      join households h on h.id = s.household_id
      left join persons p on p.id = s.person_id
     order by s.id`.execute(ctx.database.db);
  return rows;
}

export interface DbAlert {
  alertId: number;
  householdNo: string;
  severity: string;
  status: string;
  taskId: number | null;
}

export async function readAlerts(ctx: AppContext): Promise<DbAlert[]> {
  const { rows } = await sql<DbAlert>`
    select a.id::int as "alertId", h.household_no as "householdNo", a.severity, a.status,
           a.task_id::int as "taskId"
      from alerts a join households h on h.id = a.household_id
     order by a.id`.execute(ctx.database.db);
  return rows;
}

/**
 * Rows that point at nothing, per reference (the bulk write paths have no foreign keys: see
 * migrations T0006, T0010, T0011, T0012). Every count must be 0.
 */
export async function danglingReferences(ctx: AppContext): Promise<Record<string, number>> {
  const checks: Record<string, string> = {
    'matches.person_id': `select count(*) from matches m where m.person_id is not null and not exists (select 1 from persons p where p.id = m.person_id)`,
    'signals.household_id': `select count(*) from signals s where not exists (select 1 from households h where h.id = s.household_id)`,
    'signals.person_id': `select count(*) from signals s where s.person_id is not null and not exists (select 1 from persons p where p.id = s.person_id)`,
    'alert_signals.signal_id': `select count(*) from alert_signals l where not exists (select 1 from signals s where s.id = l.signal_id)`,
    'alert_signals.alert_id': `select count(*) from alert_signals l where not exists (select 1 from alerts a where a.id = l.alert_id)`,
    'alerts.household_id': `select count(*) from alerts a where not exists (select 1 from households h where h.id = a.household_id)`,
    'alerts.task_id': `select count(*) from alerts a where a.task_id is not null and not exists (select 1 from tasks t where t.id = a.task_id)`,
    'tasks.household_id': `select count(*) from tasks t where not exists (select 1 from households h where h.id = t.household_id)`,
    'tasks.town_id': `select count(*) from tasks t where not exists (select 1 from towns w where w.id = t.town_id)`,
    'task_events.task_id': `select count(*) from task_events e where not exists (select 1 from tasks t where t.id = e.task_id)`,
  };
  const out: Record<string, number> = {};
  for (const [name, query] of Object.entries(checks)) {
    const { rows } = await ctx.database.pool.query<{ count: string }>(query);
    out[name] = Number(rows[0]?.count ?? NaN);
  }
  return out;
}

export async function tableCounts(ctx: AppContext): Promise<Record<string, number>> {
  const tables = [
    'imports',
    'staged_rows',
    'import_rejects',
    'matches',
    'match_reviews',
    'signals',
    'alert_signals',
    'alerts',
    'tasks',
    'task_events',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(
      ctx.database.db,
    );
    out[t] = rows[0]?.n ?? 0;
  }
  return out;
}

/** A plain-text table (first column left-aligned, the rest right-aligned). */
export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    line(cells[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

export function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`;
}

/** The symmetric difference of two key sets, for readable failure messages. */
export function setDiff(
  expected: Iterable<string>,
  actual: Iterable<string>,
): { missing: string[]; unexpected: string[] } {
  const e = new Set(expected);
  const a = new Set(actual);
  return {
    missing: [...e].filter((k) => !a.has(k)).sort(),
    unexpected: [...a].filter((k) => !e.has(k)).sort(),
  };
}

/**
 * Relays the outbox and waits until a worker has taken the import's job: its staging transaction
 * is open then (the import reads QUEUED until it commits).
 */
export async function untilImportJobActive(runtime: Runtime): Promise<void> {
  await runtime.relay();
  for (let i = 0; i < 1000 && (await runtime.queues.import.getActiveCount()) === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
}

export interface WrittenOnce {
  staged: number;
  distinctStaged: number;
  matched: number;
  distinctMatched: number;
  doubledOpenTasks: number;
}

/** What an import wrote, to check that a rerun after a fault wrote nothing twice. */
export async function writtenByImport(ctx: AppContext, importId: number): Promise<WrittenOnce> {
  const { rows } = await sql<WrittenOnce>`
    select (select count(*) from staged_rows where import_id = ${importId})::int as "staged",
           (select count(*) from staged_rows where import_id = ${importId} and duplicate_of is null)::int as "distinctStaged",
           (select count(*) from matches where import_id = ${importId})::int as "matched",
           (select count(distinct row_no) from matches where import_id = ${importId})::int as "distinctMatched",
           (select count(*) from (select household_id from tasks where status <> 'CLOSED'
                                   group by household_id having count(*) > 1) d)::int as "doubledOpenTasks"`.execute(
    ctx.database.db,
  );
  return rows[0]!;
}

export async function importStatus(app: { ctx: AppContext }, importId: number): Promise<string> {
  const imp = await app.ctx.database.db
    .selectFrom('imports')
    .select('status')
    .where('id', '=', importId)
    .executeTakeFirstOrThrow();
  return imp.status;
}
