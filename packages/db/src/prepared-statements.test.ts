// openDatabase({ preparedStatements: n }): Kysely's statements become named prepared statements of
// their connection (Postgres parses them once and, after a few runs, plans them once), never more
// than n distinct ones per connection, and results are the same as unnamed statements'.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';
import { openDatabase, type DatabaseHandle } from './connection.ts';

let tdb: TestDatabase;
let handle: DatabaseHandle;
beforeAll(async () => {
  tdb = await createTestDatabase();
  handle = openDatabase(tdb.url, { max: 1, preparedStatements: 3 });
});
afterAll(async () => {
  await handle?.close();
  await tdb?.drop();
});

/** The protocol-level prepared statements of the pool's one connection. */
async function prepared(): Promise<string[]> {
  const { rows } = await sql<{
    name: string;
  }>`select name from pg_prepared_statements where name like 'ew_%' order by name`.execute(handle.db);
  return rows.map((r) => r.name);
}

it('prepares a repeated statement once and answers with its parameters each time', async () => {
  const twice = async (n: number) =>
    (await sql<{ v: number }>`select ${n}::int * 2 as v`.execute(handle.db)).rows[0]?.v;
  expect(await twice(2)).toBe(4);
  expect(await twice(21)).toBe(42);
  const names = await prepared();
  // the doubling statement and the look-up of pg_prepared_statements itself
  expect(names).toHaveLength(2);
});

it('stops preparing at the limit and still answers', async () => {
  for (let i = 0; i < 5; i++) {
    const { rows } = await sql<{ v: number }>`select ${i}::int + ${sql.lit(i)} as v`.execute(handle.db);
    expect(rows[0]?.v).toBe(2 * i);
  }
  expect(await prepared()).toHaveLength(3);
});

it('leaves a pool without the option unnamed', async () => {
  const plain = openDatabase(tdb.url, { max: 1 });
  try {
    await sql`select 1`.execute(plain.db);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
      plain.db,
    );
    expect(rows[0]?.n).toBe(0);
  } finally {
    await plain.close();
  }
});
