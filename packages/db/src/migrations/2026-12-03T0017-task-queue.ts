// The caseworker's queue (domain §5): within one severity, tasks with more distinct signal codes
// come first (compound risk makes most alerts high), then the earliest deadline. So that the first
// page of a town's queue is an index range scan, not an aggregation over every open task:
//   - tasks.codes: the distinct rule codes of the task's signals (kept by raise-alerts);
//   - tasks.queue_order: one ascending key, −(severity rank × 100 + number of codes), so a keyset
//     cursor (queue_order, due_at, id) is a plain row comparison on one index;
//   - overdue_noted_at / paperwork_overdue_noted_at: when the scheduled overdue step wrote its
//     "overdue" event (once per deadline; a transfer's fresh deadline clears it).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table tasks
      add column codes text[] not null default '{}',
      add column overdue_noted_at timestamptz,
      add column paperwork_overdue_noted_at timestamptz;
    update tasks t set codes = c.codes
      from (select a.task_id, array_agg(distinct s.code order by s.code) as codes
              from alerts a join alert_signals l on l.alert_id = a.id join signals s on s.id = l.signal_id
             where a.task_id is not null group by a.task_id) c
     where c.task_id = t.id;
    alter table tasks add column queue_order integer generated always as (
      -((case severity when 'high' then 3 when 'medium' then 2 else 1 end) * 100 + least(cardinality(codes), 99))
    ) stored;
    drop index if exists tasks_town_open_due;
    create index tasks_queue_town on tasks (town_id, queue_order, due_at, id) where status <> 'CLOSED';
    create index tasks_queue_all on tasks (queue_order, due_at, id) where status <> 'CLOSED';
    create index tasks_open_due on tasks (due_at) where status <> 'CLOSED';
    create index tasks_assignee_open on tasks (assigned_to) where status <> 'CLOSED';
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists tasks_assignee_open;
    drop index if exists tasks_open_due;
    drop index if exists tasks_queue_all;
    drop index if exists tasks_queue_town;
    alter table tasks drop column if exists queue_order, drop column if exists codes,
      drop column if exists overdue_noted_at, drop column if exists paperwork_overdue_noted_at;
    create index tasks_town_open_due on tasks (town_id, due_at) where status <> 'CLOSED';
  `.execute(db);
}
