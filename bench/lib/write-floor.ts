// The output write floor: what writing exactly the rows the pipeline wrote costs in plain bulk SQL
// on the same server. A second reference next to the floor (lib/floor.ts, issue 6's "load and
// match"), not a replacement: the pipeline writes far more than the floor does (for 1M feed rows
// ~1M staged rows, ~950k matches, ~400k signals, ~226k alerts, tasks and task events, ~403k
// alert_signals), and this says how far it is from the raw cost of its own output.
//
// After the pipeline has finished, for each output table T:
//   1. `create table wf_T (like T including all)`: same columns, defaults, CHECK / NOT NULL
//      constraints and indexes, so index maintenance is paid as in the pipeline. LIKE copies no
//      foreign keys, so the ones T still has (match_reviews → staged_rows / persons, tasks → users)
//      are added from pg_get_constraintdef: their per-row trigger calls are part of the cost too.
//      (No output table has triggers of its own; LIKE would not copy those either.)
//   2. one `insert into wf_T (cols) select cols from T`, every row (the run's database holds only
//      this run's import), timed. cols = T's non-generated columns, ids included as they are (no
//      sequence is drawn); staged_rows.row_hash is `generated always … stored`, so it is computed
//      on insert, as when the pipeline COPYs the rows.
// write_floor_seconds = the sum of the inserts.
//
// Measured once per run, not three times like the floor: at 100k rows three runs in a row gave
// 3.20 / 3.45 / 3.26 s (±4 %, where the floor's total moves by ±30 %), and a run is ~10× that at
// 1M rows (staged_rows alone ≈ 9 s, scaled from 0.94 s at 100k), so two more would add about a minute to a ~55 s pipeline
// for no steadier figure.
//
// Timed in the bench process around each query (performance.now()), on the run's own pool rather
// than through psql like the floor: the pool's sessions run with jit=off as the workers' do
// (packages/db connection.ts), and a 1M-row INSERT … SELECT is costed far above jit_above_cost, so
// psql would JIT-compile what the pipeline does not. The round trip on localhost is well below a
// millisecond against inserts of tenths of seconds to seconds.
import type { DatabaseHandle } from '@ew/db';
import { round2, round3 } from './env.ts';

type Pool = DatabaseHandle['pool'];
// pg's PoolClient, as far as used here (pg itself is not a dependency of the bench package)
type Client = Pick<Pool, 'query'>;

/** The pipeline's output tables, in the order it writes them; a table that does not exist is skipped. */
export const OUTPUT_TABLES = [
  'staged_rows',
  'import_rejects',
  'matches',
  'match_reviews',
  'signals',
  'alerts',
  'tasks',
  'task_events',
  'alert_signals',
] as const;

export interface WriteFloorResult {
  write_floor_seconds: number;
  write_floor_tables: Record<string, { rows: number; seconds: number }>;
}

export async function measureWriteFloor(pool: Pool): Promise<WriteFloorResult> {
  const client = await pool.connect();
  const tables: string[] = [];
  try {
    for (const t of OUTPUT_TABLES) if (await exists(client, t)) tables.push(t);
    const columns = new Map<string, string>();
    for (const t of tables) {
      columns.set(t, await insertableColumns(client, t));
      await createCopy(client, t);
      await warmUp(client, t);
    }
    // The floor, the pipeline and the warm-up above left dirty pages behind: flush them now, or
    // whichever insert a timed checkpoint happened to land on would pay for them.
    await client.query('checkpoint');
    const perTable: WriteFloorResult['write_floor_tables'] = {};
    let total = 0;
    for (const t of tables) {
      const cols = columns.get(t)!;
      const started = performance.now();
      const { rowCount } = await client.query(`insert into ${copyOf(t)} (${cols}) select ${cols} from ${t}`);
      const seconds = (performance.now() - started) / 1000;
      total += seconds;
      perTable[t] = { rows: rowCount ?? 0, seconds: round3(seconds) };
    }
    return { write_floor_seconds: round2(total), write_floor_tables: perTable };
  } finally {
    for (const t of tables) await client.query(`drop table if exists ${copyOf(t)}`).catch(() => undefined);
    client.release();
  }
}

const copyOf = (table: string) => `wf_${table}`;

async function exists(client: Client, table: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [table]);
  return rows[0]?.ok === true;
}

/** T's columns minus the generated ones (and the dropped ones pg_attribute keeps), in table order. */
async function insertableColumns(client: Client, table: string): Promise<string> {
  const { rows } = await client.query<{ cols: string }>(
    `select string_agg(quote_ident(attname), ', ' order by attnum) as cols
       from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = ''`,
    [table],
  );
  const cols = rows[0]?.cols;
  if (!cols) throw new Error(`write floor: no insertable columns in ${table}`);
  return cols;
}

/**
 * wf_T like T, with T's foreign keys (which LIKE leaves out). Autovacuum is off on the copy: it would
 * start on a just-filled copy while the next table's insert is being timed, on a 2-core machine.
 */
async function createCopy(client: Client, table: string): Promise<void> {
  const copy = copyOf(table);
  await client.query(`drop table if exists ${copy}`);
  await client.query(`create table ${copy} (like ${table} including all) with (autovacuum_enabled = false)`);
  const { rows } = await client.query<{ def: string }>(
    `select pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = $1::regclass and contype = 'f' order by conname`,
    [table],
  );
  for (const { def } of rows) await client.query(`alter table ${copy} add ${def}`);
}

/**
 * One sequential read of T before the timed insert: the first visit to rows the pipeline wrote sets
 * their hint bits and so dirties T's pages; that is reading cost, paid once (the checkpoint after
 * the warm-up flushes it), not part of writing the output. Also brings T into the page cache.
 * Index scans are off so that the count really visits the heap.
 */
async function warmUp(client: Client, table: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query('set local enable_indexonlyscan = off');
    await client.query('set local enable_indexscan = off');
    await client.query('set local enable_bitmapscan = off');
    await client.query(`select count(*) from ${table}`);
  } finally {
    await client.query('commit');
  }
}
