// Raising the alerts of a 1,000,000-row delivery writes ~226,000 tasks, alerts and task events in
// one transaction; their foreign keys to households, towns and tasks cost a trigger call per row
// (tasks alone: 3.6 s with them, 1.0 s without, pnpm bench pipeline's kept database). The only
// writer of these columns is alerts/raise-alerts.ts, which takes household, town and task ids
// from rows it has just read or written in the same transaction; households, towns and tasks are
// never deleted. The e2e suite checks that no row points nowhere (test/e2e/helpers.ts
// danglingReferences). The foreign keys to users (assigned_to, approved_by), set by people
// through the API one row at a time, stay.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table tasks drop constraint if exists tasks_household_id_fkey;
    alter table tasks drop constraint if exists tasks_town_id_fkey;
    alter table alerts drop constraint if exists alerts_household_id_fkey;
    alter table alerts drop constraint if exists alerts_task_id_fkey;
    alter table task_events drop constraint if exists task_events_task_id_fkey;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table task_events add constraint task_events_task_id_fkey foreign key (task_id) references tasks;
    alter table alerts add constraint alerts_task_id_fkey foreign key (task_id) references tasks;
    alter table alerts add constraint alerts_household_id_fkey foreign key (household_id) references households;
    alter table tasks add constraint tasks_town_id_fkey foreign key (town_id) references towns;
    alter table tasks add constraint tasks_household_id_fkey foreign key (household_id) references households;
  `.execute(db);
}
