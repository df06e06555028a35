// Signals are written a few hundred thousand at a time by one INSERT … SELECT per chunk that has
// just joined the persons and households it names; their two foreign keys cost a trigger call per
// row (evaluate at 1M rows: 39.6 s with them, 29.6 s without, pnpm bench rules). alerts.task_id
// gets the index its foreign key needs (a task delete scanned alerts once per task).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table signals drop constraint if exists signals_person_id_fkey;
    alter table signals drop constraint if exists signals_household_id_fkey;
    create index if not exists alerts_task on alerts (task_id);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists alerts_task;
    alter table signals add constraint signals_household_id_fkey foreign key (household_id) references households;
    alter table signals add constraint signals_person_id_fkey foreign key (person_id) references persons;
  `.execute(db);
}
