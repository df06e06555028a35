import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';
import { copyField, copyRows } from './copy.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

describe('copyField', () => {
  it('escapes the COPY text-format specials and writes nulls as \\N', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyField({ a: '张\t三' })).toBe('{"a":"张\\\\tthree"}'.replace('three', '三'));
    expect(copyField(12.5)).toBe('12.5');
  });
});

describe('copyRows', () => {
  it('round-trips awkward text through COPY into a migrated database', async () => {
    const client = await tdb.pool.connect();
    try {
      await client.query('create temp table t (a text, b jsonb, c integer)');
      const rows = [
        ['张三\t李四', { note: 'line\nbreak', slash: 'a\\b' }, 1],
        [null, null, null],
        ['\\N literal', {}, 3],
      ] as const;
      const n = await copyRows(client, 't', ['a', 'b', 'c'], rows);
      expect(n).toBe(3);
      const { rows: back } = await client.query('select a, b, c from t order by c nulls last');
      expect(back).toEqual([
        { a: '张三\t李四', b: { note: 'line\nbreak', slash: 'a\\b' }, c: 1 },
        { a: '\\N literal', b: {}, c: 3 },
        { a: null, b: null, c: null },
      ]);
    } finally {
      client.release();
    }
  });

  it('has every foundation table after migration', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(tdb.db);
    const names = rows.map((r) => r.table_name);
    for (const t of [
      'towns',
      'households',
      'persons',
      'register_snapshots',
      'register_events',
      'imports',
      'staged_rows',
      'import_rejects',
      'matches',
      'match_reviews',
      'signals',
      'alerts',
      'tasks',
      'task_events',
      'users',
      'audit_log',
      'outbox',
    ]) {
      expect(names).toContain(t);
    }
  });
});
