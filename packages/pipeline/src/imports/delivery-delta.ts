// Compares a delivery with the feed's previous one: rows new, changed and gone (by who the row
// is about and what it says). Rules then fire only on new and changed rows.
import type pg from 'pg';
import { sql } from 'kysely';
import type { Database } from '@ew/db';

export interface DeltaCounts {
  previousImportId: number | null;
  rowsNew: number;
  rowsChanged: number;
  rowsGone: number;
}

/** The feed's latest staged delivery before this one (a replaced delivery's own predecessor). */
export async function findPreviousDelivery(
  client: pg.PoolClient,
  importId: number,
  feed: string,
  period: string,
  replacesImportId: number | null,
): Promise<number | null> {
  const { rows } = await client.query<{ id: number }>(
    `select id from imports
      where feed = $1 and id <> $2 and id is distinct from $4 and period <= $3
        and status in ('STAGED', 'MATCHING', 'MATCHED', 'EVALUATED')
      order by period desc, id desc
      limit 1`,
    [feed, importId, period, replacesImportId],
  );
  return rows[0]?.id ?? null;
}

/**
 * Marks rows SAME or CHANGED against the previous delivery; NEW rows keep delta = null (so a first
 * delivery rewrites no row). Counts NEW as the rest of the non-duplicate rows.
 */
export async function markDelta(
  client: pg.PoolClient,
  importId: number,
  previousImportId: number | null,
  distinctRows: number,
): Promise<DeltaCounts> {
  if (previousImportId === null) {
    return { previousImportId, rowsNew: distinctRows, rowsChanged: 0, rowsGone: 0 };
  }
  // A key may appear in several rows (a person with two events); a row is SAME when the previous
  // delivery had a row with the same key and the same content. Hash joins on row_key.
  const { rows } = await client.query<{ delta: 'CHANGED' | 'SAME'; n: number }>(
    `with prev as (
       select row_key, array_agg(row_hash) as hashes
         from staged_rows where import_id = $2 and duplicate_of is null
        group by row_key
     ),
     decided as (
       select s.row_no, case when s.row_hash = any (p.hashes) then 'SAME' else 'CHANGED' end as delta
         from staged_rows s join prev p on p.row_key = s.row_key
        where s.import_id = $1 and s.duplicate_of is null
     ),
     marked as (
       update staged_rows s set delta = d.delta
         from decided d
        where s.import_id = $1 and s.row_no = d.row_no
       returning s.delta
     )
     select delta, count(*)::int as n from marked group by delta`,
    [importId, previousImportId],
  );
  const count = (d: string) => rows.find((r) => r.delta === d)?.n ?? 0;
  const gone = await client.query<{ n: number }>(
    `select count(*)::int as n
       from (select distinct row_key from staged_rows where import_id = $2 and duplicate_of is null) p
       left join (select distinct row_key from staged_rows where import_id = $1) s on s.row_key = p.row_key
      where s.row_key is null`,
    [importId, previousImportId],
  );
  return {
    previousImportId,
    rowsNew: distinctRows - count('SAME') - count('CHANGED'),
    rowsChanged: count('CHANGED'),
    rowsGone: gone.rows[0]!.n,
  };
}

export interface ReplacementDelta {
  /** The delivery this corrected file replaced. */
  replacedImportId: number;
  new: number;
  changed: number;
  gone: number;
  /** The first row numbers of each kind (new and changed: this file's rows; gone: the replaced file's). */
  examples: { new: number[]; changed: number[]; gone: number[] };
}

const REPLACEMENT_EXAMPLES = 5;

/**
 * A corrected file against the delivery it replaces (not the feed's previous period, which the
 * rules' delta uses): which rows it adds, corrects and withdraws. Duplicates inside a file count once.
 */
export async function compareWithReplaced(
  db: Database,
  importId: number,
  replacedImportId: number,
): Promise<ReplacementDelta> {
  const { rows } = await sql<{ kind: 'new' | 'changed' | 'gone'; n: number; examples: number[] }>`
    with cur as (
      select row_key, row_hash, row_no from staged_rows where import_id = ${importId} and duplicate_of is null
    ), old as (
      select row_key, row_hash, row_no from staged_rows where import_id = ${replacedImportId} and duplicate_of is null
    ), kinds as (
      select case when not exists (select 1 from old where old.row_key = cur.row_key) then 'new'
                  when not exists (select 1 from old where old.row_key = cur.row_key and old.row_hash = cur.row_hash)
                    then 'changed' end as kind, row_no
        from cur
      union all
      select 'gone', min(row_no) from old
       where not exists (select 1 from cur where cur.row_key = old.row_key)
       group by row_key
    )
    select kind, count(*)::int as n,
           (array_agg(row_no order by row_no))[1:${REPLACEMENT_EXAMPLES}] as examples
      from kinds where kind is not null group by kind`.execute(db);
  const of = (kind: 'new' | 'changed' | 'gone') => rows.find((r) => r.kind === kind);
  return {
    replacedImportId,
    new: of('new')?.n ?? 0,
    changed: of('changed')?.n ?? 0,
    gone: of('gone')?.n ?? 0,
    examples: {
      new: of('new')?.examples ?? [],
      changed: of('changed')?.examples ?? [],
      gone: of('gone')?.examples ?? [],
    },
  };
}
