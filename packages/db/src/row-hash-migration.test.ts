// T0015 turns staged_rows.row_hash into a 64-bit hash. Deliveries staged before it must still
// compare with deliveries staged after it: the rewrite recomputes every existing row's hash.
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { emptyDatabase } from './migration.fixture.ts';
import { migrateToLatest, migrateUpTo } from './migrate.ts';

const scratch = emptyDatabase('rowhash');

const row = (importId: number, rowNo: number, payload: string, nameNorm = '张三') => sql`
  insert into staged_rows (import_id, row_no, id_status, name_norm, row_key, payload)
  values (${importId}, ${rowNo}, 'VALID', ${nameNorm}, 'K1', ${payload}::jsonb)`;

describe('T0015 row hash', () => {
  it('recomputes the rows staged before it, so old and new deliveries compare', async () => {
    const db = scratch.handle().db;
    await migrateUpTo(db, '2026-11-28T0014-alert-buckets');
    await row(1, 2, '{"event": "UNEMPLOYED", "amount": 1.50}').execute(db);
    await row(1, 3, '{"event": "FLEXIBLE"}').execute(db);

    await migrateToLatest(db);
    await row(2, 2, '{"amount": 1.5, "event": "UNEMPLOYED"}').execute(db); // same content, other form
    await row(2, 3, '{"event": "FLEXIBLE"}', '张四').execute(db); // another name

    const { rows } = await sql<{ import_id: string; row_no: number; h: string; type: string }>`
      select import_id::text, row_no, row_hash::text as h, pg_typeof(row_hash)::text as type
        from staged_rows order by import_id, row_no`.execute(db);
    expect(rows.map((r) => r.type)).toEqual(['bigint', 'bigint', 'bigint', 'bigint']);
    const hash = (i: string, r: number) => rows.find((x) => x.import_id === i && x.row_no === r)!.h;
    expect(hash('1', 2)).toBe(hash('2', 2)); // staged before and after the migration: SAME
    expect(hash('1', 3)).not.toBe(hash('2', 3)); // the name changed: CHANGED
    expect(hash('1', 2)).not.toBe(hash('1', 3));
  });
});
