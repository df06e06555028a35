// matches_person (person_id) serves no query: matches are read by (import_id, row_no) (rules,
// reports, review, quality) and a person's rows are found through staged_rows and signals. Each
// of the ~950,000 matches a 1M-row delivery writes paid an insert into it at a random position.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists matches_person`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists matches_person on matches (person_id)`.execute(db);
}
