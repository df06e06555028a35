// One row naming this installation (database). Queue job ids carry it, so two databases that
// share a Redis (a demo and a test, or a restored copy) never mistake each other's jobs for
// their own: BullMQ ignores an add whose job id it still holds.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table installation (
      singleton boolean primary key default true check (singleton),
      id text not null,
      created_at timestamptz not null default now()
    );
    insert into installation (id) values (substr(md5(random()::text || clock_timestamp()::text), 1, 10));
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists installation`.execute(db);
}
