// The scheduler's overdue step (domain §5: overdue tasks are visible and counted). Overdue is
// always computed from the deadline (`due_at < now()`), so the queue and the counts never wait for
// this step; what the step adds is the moment: one system event `overdue` in the task's history
// when its deadline passes (once per deadline — a transfer's fresh deadline clears the mark), and
// one `paperwork_overdue` when an emergency aid's paperwork is late. Set-based, idempotent.
import { sql, type Kysely } from 'kysely';
import type { DB } from '@ew/db';

export interface OverdueResult {
  tasksMarked: number;
  paperworkMarked: number;
  /** Now overdue, in total (marked before or now). */
  tasksOverdue: number;
  paperworkOverdue: number;
}

export async function markOverdue(db: Kysely<DB>): Promise<OverdueResult> {
  return db.transaction().execute(async (trx) => {
    const tasks = await sql<{ n: number }>`
      with marked as (
        update tasks set overdue_noted_at = now()
         where status <> 'CLOSED' and due_at < now() and overdue_noted_at is null
        returning id, status, due_at
      ), events as (
        insert into task_events (task_id, from_status, to_status, action, actor, note, detail)
        select id, status, status, 'overdue', 'system', null, jsonb_build_object('dueAt', due_at) from marked
      )
      select count(*)::int as n from marked`.execute(trx);
    const paperwork = await sql<{ n: number }>`
      with marked as (
        update tasks set paperwork_overdue_noted_at = now()
         where paperwork_due_at < now() and paperwork_done_at is null and paperwork_overdue_noted_at is null
        returning id, status, paperwork_due_at
      ), events as (
        insert into task_events (task_id, from_status, to_status, action, actor, note, detail)
        select id, status, status, 'paperwork_overdue', 'system', null,
               jsonb_build_object('paperworkDueAt', paperwork_due_at) from marked
      )
      select count(*)::int as n from marked`.execute(trx);
    const totals = await sql<{ tasks: number; paperwork: number }>`
      select (select count(*) from tasks where status <> 'CLOSED' and due_at < now())::int as tasks,
             (select count(*) from tasks where paperwork_due_at < now() and paperwork_done_at is null)::int as paperwork`.execute(
      trx,
    );
    return {
      tasksMarked: tasks.rows[0]?.n ?? 0,
      paperworkMarked: paperwork.rows[0]?.n ?? 0,
      tasksOverdue: totals.rows[0]?.tasks ?? 0,
      paperworkOverdue: totals.rows[0]?.paperwork ?? 0,
    };
  });
}
