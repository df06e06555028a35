// Reports (issue 13): the indexes the statistics table's one statement reads through, and the
// table the scheduled job files each ended period's table in.
//
// task_events, read per period (packages/reports/src/stats.ts):
//   - task_events_open_at: `open` events by time, with task and town (tasks opened; the tasks
//     open at a period's end are those opened before it …
//   - task_events_closed_at: … minus those closed before it; closes of a period by time);
//   - task_events_town: a task's town at an instant = its latest event at or before it that has
//     a town_id (a backward scan of one task's few rows);
//   - task_events_due: its deadline at an instant = detail.dueAt of its latest event that has one.
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
    create index task_events_town on task_events (task_id, at, id) include (town_id) where town_id is not null;
    create index task_events_due on task_events (task_id, at, id) where detail ? 'dueAt';
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
    drop index if exists task_events_due;
    drop index if exists task_events_town;
    drop index if exists task_events_closed_at;
    drop index if exists task_events_open_at;
  `.execute(db);
}
