// `matches` is written a million rows at a time, only by the matcher, from rows it has just
// joined to staged_rows and persons. Its two foreign keys cost a trigger call per row: measured
// 26.3 s vs 9.7 s for one INSERT … SELECT of 950k matches (2 cores). The matcher's own joins
// guarantee what the keys checked; the indexes stay.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table matches drop constraint if exists matches_person_id_fkey;
    alter table matches drop constraint if exists matches_import_id_row_no_fkey;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table matches add constraint matches_person_id_fkey foreign key (person_id) references persons;
    alter table matches add constraint matches_import_id_row_no_fkey
      foreign key (import_id, row_no) references staged_rows on delete cascade;
  `.execute(db);
}
