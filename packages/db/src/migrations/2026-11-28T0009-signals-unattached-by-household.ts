// raiseAlerts walks an import's unattached signals in household batches: the partial index
// carries the household so each batch is a range scan, not a pass over the whole import.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists signals_unattached;
    create index signals_unattached on signals (import_id, household_id) where alert_id is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists signals_unattached;
    create index signals_unattached on signals (import_id) where alert_id is null;
  `.execute(db);
}
