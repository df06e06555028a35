// A register extract has an as-of date (the day the civil-affairs system exported it); rules on
// the register are judged as of that day, not the day the file happened to be loaded.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table register_snapshots add column as_of date`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table register_snapshots drop column if exists as_of`.execute(db);
}
