// The casework half (domain §5, §8): people who sign in with a password, the roles of the
// programme, the task workflow's states and sources, visits, and events that say which action
// made them (so the statistics of any past period can be recomputed from events alone).
//
// Tasks:
//   - status gains PENDING_APPROVAL (一事一议 waiting for a supervisor). TRANSFERRED (转办) is
//     never a resting state: a transfer writes an event `… → TRANSFERRED` naming both towns and a
//     second one `TRANSFERRED → NEW` in the receiving town, in one transaction; the task then
//     rests at NEW there. So "open" stays `status <> 'CLOSED'` everywhere (the pipeline relies on it).
//   - source: ALERT (raised by the pipeline) or a hand-opened case (一门受理): WALK_IN 来访申请,
//     VILLAGE_REPORT 村(居)委会报告, PHONE 电话求助, OTHER. A hand-opened case may be for a person
//     outside the register: household_id null, subject_* set.
//   - version: +1 on every transition, so a client acting on a stale view gets 409.
//   - paperwork_done_at: 急难型临时救助 closes with paperwork still due (paperwork_due_at).
// Task events:
//   - action: the verb of the transition (open, signals_attached, claim, assign, start_visit,
//     record_visit, transfer, transfer_received, close, submit_for_approval, approve, return,
//     record_paperwork, …), backfilled for the pipeline's rows.
//   - actor_user_id: the signed-in user (null for the system).
//   - town_id: the task's town from this event on, where the event sets or changes it (open,
//     transfer_received); null where it does not.
//   - A close (and an approval that closes) carries detail {outcome, aidAmount} so reports never
//     need the task row's current state.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- ADMIN was the data administrator's role; from now on ADMIN manages users and settings and
    -- DATA_ADMIN loads feeds and decides reviews.
    alter table users drop constraint if exists users_role_check;
    update users set role = 'DATA_ADMIN' where role = 'ADMIN';
    alter table users add constraint users_role_check
      check (role in ('ADMIN', 'DATA_ADMIN', 'SUPERVISOR', 'CASEWORKER', 'OPS'));
    alter table users
      add column password_hash text,
      add column password_changed_at timestamptz;

    alter table tasks drop constraint if exists tasks_status_check;
    alter table tasks add constraint tasks_status_check
      check (status in ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL', 'CLOSED'));
    alter table tasks alter column household_id drop not null;
    alter table tasks
      add column source text not null default 'ALERT'
        check (source in ('ALERT', 'WALK_IN', 'VILLAGE_REPORT', 'PHONE', 'OTHER')),
      add column reason text,
      add column subject_name text,
      add column subject_id_number text,
      add column subject_address text,
      add column subject_village text,
      add column created_by integer references users,
      add column version integer not null default 0,
      add column paperwork_done_at timestamptz,
      add constraint tasks_subject_check check (household_id is not null or subject_name is not null),
      add constraint tasks_aid_amount_check check (aid_amount is null or aid_amount > 0);
    create index tasks_town_open_due on tasks (town_id, due_at) where status <> 'CLOSED';
    create index tasks_paperwork_due on tasks (paperwork_due_at)
      where paperwork_due_at is not null and paperwork_done_at is null;

    create table task_visits (
      id bigserial primary key,
      task_id bigint not null references tasks,
      visited_on date not null,
      visited_by integer references users,
      -- who was met (被访人), free text: may be a name, so never logged
      met text not null,
      -- what was verified: {income?, housing?, health?, ...} free text per aspect
      verified jsonb not null default '{}',
      notes text,
      created_at timestamptz not null default now()
    );
    create index task_visits_task on task_visits (task_id);

    alter table task_events
      add column action text,
      add column actor_user_id integer,
      add column town_id integer;
    update task_events e set
      action = case when e.from_status is null then 'open'
                    when e.from_status = e.to_status then 'signals_attached'
                    else coalesce(e.detail->>'via', 'claim') end,
      town_id = case when e.from_status is null then (select t.town_id from tasks t where t.id = e.task_id) end;
    alter table task_events alter column action set not null;
    create index task_events_at on task_events (at);

    alter table audit_log add column actor_user_id integer;
    create index audit_log_at on audit_log (at);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists audit_log_at;
    alter table audit_log drop column if exists actor_user_id;
    drop index if exists task_events_at;
    alter table task_events drop column if exists action, drop column if exists actor_user_id,
      drop column if exists town_id;
    drop table if exists task_visits;
    drop index if exists tasks_paperwork_due;
    drop index if exists tasks_town_open_due;
    delete from task_events where task_id in (select id from tasks where household_id is null);
    delete from tasks where household_id is null;
    update tasks set status = 'IN_PROGRESS' where status = 'PENDING_APPROVAL';
    alter table tasks drop constraint if exists tasks_subject_check,
      drop constraint if exists tasks_aid_amount_check,
      drop column if exists source, drop column if exists reason, drop column if exists subject_name,
      drop column if exists subject_id_number, drop column if exists subject_address,
      drop column if exists subject_village, drop column if exists created_by,
      drop column if exists version, drop column if exists paperwork_done_at;
    alter table tasks alter column household_id set not null;
    alter table tasks drop constraint if exists tasks_status_check;
    alter table tasks add constraint tasks_status_check
      check (status in ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED'));
    alter table users drop column if exists password_hash, drop column if exists password_changed_at;
    alter table users drop constraint if exists users_role_check;
    update users set role = 'ADMIN' where role = 'DATA_ADMIN';
    alter table users add constraint users_role_check
      check (role in ('ADMIN', 'CASEWORKER', 'SUPERVISOR', 'OPS'));
  `.execute(db);
}
