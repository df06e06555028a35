// The plain SQL join of the same tables the matcher reads (issue 4): an import's staged rows to
// the register persons on id_number — once as a bare join (count), once written with
// INSERT … SELECT into a plain table (no FKs, no conflict handling), for the matcher's time to be
// read next to it.
import type { AppContext } from '@ew/pipeline/context';
import { round2 } from './env.ts';

export interface SqlJoinResult {
  sql_join_seconds: number;
  sql_join_insert_seconds: number;
  sql_join_rows: number;
}

export async function plainSqlJoin(ctx: AppContext, importId: number): Promise<SqlJoinResult> {
  const { pool } = ctx.database;
  const join = `from staged_rows s join persons p on p.id_number = s.id_number
                where s.import_id = ${Number(importId)} and s.duplicate_of is null`;
  let t = performance.now();
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n ${join}`);
  const joinSeconds = (performance.now() - t) / 1000;
  await pool.query(`create table bench_plain_join (import_id bigint, row_no integer, person_id bigint)`);
  try {
    t = performance.now();
    await pool.query(`insert into bench_plain_join select s.import_id, s.row_no, p.id ${join}`);
    const insertSeconds = (performance.now() - t) / 1000;
    return {
      sql_join_seconds: round2(joinSeconds),
      sql_join_insert_seconds: round2(insertSeconds),
      sql_join_rows: rows[0]?.n ?? 0,
    };
  } finally {
    await pool.query(`drop table bench_plain_join`);
  }
}
