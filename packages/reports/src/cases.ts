// Single cases worth a supervisor's look, as of timestamped rows only (like stats.ts): large aid
// closed in a range, and the tasks overdue at an instant. Task ids and towns, never names.
import { sql } from 'kysely';
import type { Database, TaskOutcome } from '@ew/db';
import { closes, deadlineBefore, openTasksBefore, townAsOf, ts } from './task-state.ts';

export interface AidCase {
  taskId: number;
  town: string | null;
  outcome: TaskOutcome;
  aidAmount: number;
  closedAt: Date;
}

/** Aid closes (events to CLOSED) in [from, to) with an amount ≥ threshold, largest first. */
export async function largeAidCases(
  db: Database,
  from: Date,
  to: Date,
  threshold: number,
): Promise<AidCase[]> {
  const { rows } = await sql<{
    task_id: number;
    town: string | null;
    outcome: TaskOutcome;
    amount: number;
    at: Date;
  }>`
    select ev.task_id, tw.name as town, ev.detail->>'outcome' as outcome, (ev.detail->>'aidAmount')::numeric as amount, ev.at
      from task_events ev
      left join towns tw on tw.id = ${townAsOf('ev.task_id', sql`ev.at`)}
     where ${closes('ev')} and ev.at >= ${ts(from)} and ev.at < ${ts(to)}
       and (ev.detail->>'aidAmount')::numeric >= ${threshold}
     order by amount desc, ev.task_id`.execute(db);
  return rows.map((r) => ({
    taskId: r.task_id,
    town: r.town,
    outcome: r.outcome,
    aidAmount: Number(r.amount),
    closedAt: r.at,
  }));
}

export interface OverdueCase {
  taskId: number;
  town: string | null;
  dueAt: Date;
  /** Whole days between the deadline and `at`. */
  daysOverdue: number;
  source: string;
}

/** Tasks open at `at` whose deadline as of `at` has passed, longest overdue first; and how many. */
export async function overdueCases(
  db: Database,
  at: Date,
  limit: number,
): Promise<{ total: number; cases: OverdueCase[] }> {
  const t1 = ts(at);
  const { rows } = await sql<{
    task_id: number;
    town: string | null;
    due_at: Date;
    source: string;
    total: number;
  }>`
    with state as (
      select oa.task_id, ${townAsOf('oa.task_id', t1, '<')} as town_id, ${deadlineBefore('oa.task_id', t1)} as due_at
        from (${openTasksBefore(t1)}) oa
    )
    select s.task_id, tw.name as town, s.due_at, t.source, count(*) over () as total
      from state s
      left join towns tw on tw.id = s.town_id
      left join tasks t on t.id = s.task_id
     where s.due_at < ${t1}
     order by s.due_at, s.task_id
     limit ${limit}`.execute(db);
  return {
    total: Number(rows[0]?.total ?? 0),
    cases: rows.map((r) => ({
      taskId: r.task_id,
      town: r.town,
      dueAt: r.due_at,
      daysOverdue: Math.floor((at.getTime() - r.due_at.getTime()) / 86_400_000),
      source: r.source,
    })),
  };
}
