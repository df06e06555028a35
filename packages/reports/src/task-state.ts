// A task's state at an instant, from its events alone (contract "Task events"): SQL fragments the
// statistics table and the case lists share. `instant` is an SQL expression (a parameter or a
// column); the fragments read only the indexes of migration T0020.
import { sql, type RawBuilder } from 'kysely';

/** An instant as an SQL parameter. */
export const ts = (at: Date): RawBuilder<unknown> => sql`${at.toISOString()}::timestamptz`;

/** The town of task `task` as of `instant`: the town_id of its latest event at (<=) or before (<) it that has one. */
export const townAsOf = (task: string, instant: RawBuilder<unknown>, op: '<=' | '<' = '<=') => sql`
  (select x.town_id from task_events x
    where x.task_id = ${sql.raw(task)} and x.town_id is not null and x.at ${sql.raw(op)} ${instant}
    order by x.at desc, x.id desc limit 1)`;

/**
 * The deadline of task `task` just before `instant`: detail.dueAt of its latest event that has
 * one (task_events.due_at, generated from it: T0020); a task whose events never carried one (rows from before the casework schema) falls back
 * to tasks.due_at.
 */
export const deadlineBefore = (task: string, instant: RawBuilder<unknown>) => sql`
  coalesce((select x.due_at from task_events x
             where x.task_id = ${sql.raw(task)} and x.at < ${instant} and x.due_at is not null
             order by x.at desc, x.id desc limit 1),
           (select t.due_at from tasks t where t.id = ${sql.raw(task)}))`;

/** Event `e` closes its task (an approval of 一事一议 included; paperwork after a close is not one). */
export const closes = (e: string) =>
  sql.raw(`${e}.to_status = 'CLOSED' and ${e}.action in ('close', 'approve')`);

/** `select task_id` of the tasks open just before `instant`: opened before it, not closed before it (closed is final). */
export const openTasksBefore = (instant: RawBuilder<unknown>) => sql`
  select o.task_id
    from task_events o
   where o.action = 'open' and o.at < ${instant}
     and not exists (select 1 from task_events c
                      where c.task_id = o.task_id and ${closes('c')} and c.at < ${instant})`;
