// Progress of the chunked stages of an import (match, evaluate). A stage's last chunk to finish
// moves the import on; the row ranges make chunk jobs independent, so replicas share an import.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table import_chunks (
      import_id bigint not null references imports on delete cascade,
      stage text not null check (stage in ('match', 'evaluate')),
      chunk integer not null,
      row_from integer not null,                          -- inclusive
      row_to integer not null,                            -- exclusive
      done_at timestamptz,
      primary key (import_id, stage, chunk)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists import_chunks`.execute(db);
}
