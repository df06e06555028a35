// Raising an import's alerts is split into jobs by household bucket (household_id modulo the
// bucket count, see alerts/raise-alerts.ts) so that worker replicas share it; each bucket is an
// import_chunks row of stage 'alerts', without a row range.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table import_chunks drop constraint if exists import_chunks_stage_check;
    alter table import_chunks add constraint import_chunks_stage_check
      check (stage in ('match', 'evaluate', 'alerts'));
    alter table import_chunks alter column row_from drop not null, alter column row_to drop not null;
    alter table import_chunks add constraint import_chunks_rows_check
      check ((stage = 'alerts') = (row_from is null and row_to is null));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    delete from import_chunks where stage = 'alerts';
    alter table import_chunks drop constraint if exists import_chunks_rows_check;
    alter table import_chunks alter column row_from set not null, alter column row_to set not null;
    alter table import_chunks drop constraint if exists import_chunks_stage_check;
    alter table import_chunks add constraint import_chunks_stage_check check (stage in ('match', 'evaluate'));
  `.execute(db);
}
