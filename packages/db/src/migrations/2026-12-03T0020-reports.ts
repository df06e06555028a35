// Reports (issue 13): the indexes the statistics table's one statement reads through, and the
// table the scheduled job files each ended period's table in.
//
// task_events, read per period (packages/reports/src/stats.ts):
//   - task_events_open_at, task_events_closed_at: `open` and closing events by time (the tasks
//     opened and closed in a period);
//   - task_events_open_task, task_events_closed_task: the same by task, with the time: the tasks
//     open at a period's end (opened before it, not closed before it) are one Merge Anti Join of
//     the two, already in task order for the look-ups below (a Hash Anti Join of ~900k opened
//     and ~800k closed at 1M tasks hashed every close and then sorted the rest);
//   - task_events_town: a task's town at an instant = its latest event at or before it that has
//     a town_id (a backward index-only scan of one task's few entries);
//   - task_events.due_at, generated from detail.dueAt, and task_events_due over it: a task's
//     deadline at an instant = the due_at of its latest event before it that has one, read from
//     the index alone. Reading detail from the heap instead cost ~0.35 s of the ~1.7 s CPU of a
//     1M-task period (110,923 open tasks; bench report, 5 runs each). The column is computed by
//     Postgres (never written); ew_iso_instant is declared immutable because it reads only a
//     full ISO instant with its offset (toISOString), which parses the same under any TimeZone
//     (anything else is null: the deadline then falls back to tasks.due_at).
// persons_household_of, households_town_of: a screened person's household and a household's
// town, index-only (−0.2 s of the same period). Keys in id order: inserts land at the right edge.
// alerts_created: alerts of a period by created_at (append order: inserts land at the right edge).
// matches_matched_at: BRIN, not btree — matches are written a million rows at a time in
// matched_at order, and a BRIN index costs the matcher next to nothing (a btree on person_id cost
// it a random insert per row: see T0013).
//
// report_runs: one row per period the scheduler (services/worker/src/scheduler.ts) has filed: the
// table as computed right after the period ended (stats, the JSON the API answers), who and when.
// Inserted once (the primary key); recomputing a past period gives the same figures (see
// stats.ts), so the row is the record of what was issued, not a cache.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index task_events_open_at on task_events (at) include (task_id, town_id) where action = 'open';
    create index task_events_closed_at on task_events (at) include (task_id)
      where to_status = 'CLOSED' and action in ('close', 'approve');
    create index task_events_open_task on task_events (task_id) include (at) where action = 'open';
    create index task_events_closed_task on task_events (task_id) include (at)
      where to_status = 'CLOSED' and action in ('close', 'approve');
    create index task_events_town on task_events (task_id, at, id) include (town_id) where town_id is not null;
    -- an ISO instant with its offset, else null (a malformed dueAt must never fail the insert)
    create function ew_iso_instant(text) returns timestamptz
      language sql immutable strict parallel safe as $$
        select case when $1 ~ '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}(:?\\d{2})?)$'
                    then $1::timestamptz end $$;
    alter table task_events
      add column due_at timestamptz generated always as (ew_iso_instant(detail->>'dueAt')) stored;
    create index task_events_due on task_events (task_id, at, id) include (due_at) where due_at is not null;
    create index persons_household_of on persons (id) include (household_id);
    create index households_town_of on households (id) include (town_id);
    create index alerts_created on alerts (created_at);
    create index matches_matched_at on matches using brin (matched_at);

    create table report_runs (
      period text primary key check (period ~ '^\\d{4}-(0[1-9]|1[0-2])-(14|28)$'),
      period_from timestamptz not null,
      period_to timestamptz not null,
      stats jsonb not null,
      computed_by text not null,
      computed_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists report_runs;
    drop index if exists matches_matched_at;
    drop index if exists alerts_created;
    drop index if exists households_town_of;
    drop index if exists persons_household_of;
    drop index if exists task_events_due;
    alter table task_events drop column if exists due_at;
    drop function if exists ew_iso_instant(text);
    drop index if exists task_events_town;
    drop index if exists task_events_closed_task;
    drop index if exists task_events_open_task;
    drop index if exists task_events_closed_at;
    drop index if exists task_events_open_at;
  `.execute(db);
}
