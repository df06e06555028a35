// read_changes: one row per statement that changed what the API's cached read responses show (the
// queue page, the task page; services/api read-cache.ts), so that the API can tell whether a
// response it built is still true without building it again (read-changes.ts, `changedSince`).
//
// A row carries its transaction id (xid8) and the town whose tasks it touched (null: any town — the
// register, users, alerts, signals, imports). A response is built after taking a snapshot; it is
// still true while no row is visible now that was not visible in that snapshot — a transaction
// still open when the snapshot was taken counts once it has committed, so a max(id) race cannot
// hide it. Statement-level triggers: one insert per statement, never per row; rows are only
// inserted, so no writer waits for another on them (a per-town counter row would have made every
// task write of a town wait for the pipeline's open transaction, and could deadlock with it).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

/** Tables whose rows are tasks (their town by `town_id`) or belong to one (by `task_id`). */
const BY_TOWN: Array<[table: string, townBy: 'town_id' | 'task_id']> = [
  ['tasks', 'town_id'],
  ['task_events', 'task_id'],
  ['task_visits', 'task_id'],
];
/** Tables the cached responses read that are not per town: a change there counts for every town. */
const ANY_TOWN = ['households', 'persons', 'towns', 'alerts', 'alert_signals', 'signals', 'imports'];
/** users: only the columns a response shows or that decide what a user sees (not last_login_at). */
const USER_COLUMNS = ['username', 'display_name', 'role', 'town_id', 'active'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table read_changes (
      id bigint generated always as identity primary key,
      town_id integer,
      xid xid8 not null default pg_current_xact_id(),
      noted_at timestamptz not null default now(),
      -- set by the sweep once the transaction is known to have ended (settleReadChanges)
      settled_at timestamptz
    );
    create index read_changes_xid on read_changes (xid);
    create index read_changes_unsettled on read_changes (id) where settled_at is null;
    -- when a kept queue page turns untrue with time alone: the town's next open deadline
    -- (casework queueChangesAt; tasks_open_due alone walked 135,000 other towns' rows at 1M tasks)
    create index tasks_open_town_due on tasks (town_id, due_at) where status <> 'CLOSED';

    create function read_changes_note_any_town() returns trigger language plpgsql as $$
    begin
      insert into read_changes (town_id) values (null);
      return null;
    end $$;

    -- tg_argv[0]: how a row names its town, 'town_id' or 'task_id' (through tasks)
    create function read_changes_note_towns() returns trigger language plpgsql as $$
    declare
      towns_of text := case tg_argv[0]
        when 'task_id' then 'select t.town_id from %I r join tasks t on t.id = r.task_id'
        else 'select r.town_id from %I r' end;
      changed text := case tg_op
        when 'INSERT' then format(towns_of, 'new_rows')
        when 'DELETE' then format(towns_of, 'old_rows')
        else format(towns_of, 'new_rows') || ' union ' || format(towns_of, 'old_rows') end;
    begin
      execute 'insert into read_changes (town_id) select distinct town_id from (' || changed || ') c';
      return null;
    end $$;
  `.execute(db);
  for (const [table, townBy] of BY_TOWN) {
    await sql`
      create trigger ${sql.raw(`read_changes_${table}_insert`)} after insert on ${sql.table(table)}
        referencing new table as new_rows
        for each statement execute function read_changes_note_towns(${sql.lit(townBy)});
      create trigger ${sql.raw(`read_changes_${table}_update`)} after update on ${sql.table(table)}
        referencing old table as old_rows new table as new_rows
        for each statement execute function read_changes_note_towns(${sql.lit(townBy)});
      create trigger ${sql.raw(`read_changes_${table}_delete`)} after delete on ${sql.table(table)}
        referencing old table as old_rows
        for each statement execute function read_changes_note_towns(${sql.lit(townBy)});
    `.execute(db);
  }
  for (const table of ANY_TOWN) {
    await sql`
      create trigger ${sql.raw(`read_changes_${table}`)} after insert or update or delete or truncate
        on ${sql.table(table)} for each statement execute function read_changes_note_any_town();
    `.execute(db);
  }
  await sql`
    create trigger read_changes_users after insert or delete or truncate or update of ${sql.join(
      USER_COLUMNS.map((c) => sql.ref(c)),
    )} on users for each statement execute function read_changes_note_any_town();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table] of BY_TOWN) {
    for (const op of ['insert', 'update', 'delete']) {
      await sql`drop trigger ${sql.raw(`read_changes_${table}_${op}`)} on ${sql.table(table)}`.execute(db);
    }
  }
  for (const table of [...ANY_TOWN, 'users']) {
    await sql`drop trigger ${sql.raw(`read_changes_${table}`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`
    drop function read_changes_note_towns();
    drop function read_changes_note_any_town();
    drop table read_changes;
    drop index tasks_open_town_due;
  `.execute(db);
}
