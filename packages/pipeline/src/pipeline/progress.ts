// Chunk bookkeeping shared by the chunked stages (match, evaluate by row range; alerts by household bucket). Called inside the stage's
// own transaction, so a chunk's results and its "done" mark commit together.
import { sql, type Kysely } from 'kysely';
import type { DB } from '@ew/db';

export type ChunkStage = 'match' | 'evaluate' | 'alerts';

export interface ChunkRange {
  chunk: number;
  rowFrom: number;
  rowTo: number;
}

/** Splits row numbers [firstRow, lastRow] into ranges of at most `size` rows. */
export function chunkRanges(firstRow: number, lastRow: number, size: number): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (let from = firstRow, chunk = 0; from <= lastRow; from += size, chunk++) {
    ranges.push({ chunk, rowFrom: from, rowTo: Math.min(from + size, lastRow + 1) });
  }
  return ranges;
}

export async function planChunks(
  trx: Kysely<DB>,
  importId: number,
  stage: ChunkStage,
  ranges: readonly ChunkRange[],
): Promise<void> {
  if (ranges.length === 0) return;
  await trx
    .insertInto('import_chunks')
    .values(
      ranges.map((r) => ({
        import_id: importId,
        stage,
        chunk: r.chunk,
        row_from: r.rowFrom,
        row_to: r.rowTo,
      })),
    )
    .onConflict((oc) => oc.columns(['import_id', 'stage', 'chunk']).doNothing())
    .execute();
}

export type ChunkCompletion = 'already-done' | 'more-to-come' | 'last';

/**
 * Marks a chunk done. The import row is locked first, so of two chunks finishing at once exactly
 * one sees itself as the last. 'already-done' means a redelivered job: its work is in already.
 */
export async function completeChunk(
  trx: Kysely<DB>,
  importId: number,
  stage: ChunkStage,
  chunk: number,
): Promise<ChunkCompletion> {
  await trx.selectFrom('imports').select('id').where('id', '=', importId).forUpdate().execute();
  const marked = await trx
    .updateTable('import_chunks')
    .set({ done_at: sql<Date>`now()` })
    .where('import_id', '=', importId)
    .where('stage', '=', stage)
    .where('chunk', '=', chunk)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) === 0) return 'already-done';
  const open = await trx
    .selectFrom('import_chunks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('import_id', '=', importId)
    .where('stage', '=', stage)
    .where('done_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(open.n) === 0 ? 'last' : 'more-to-come';
}

/** Whether a chunk's work is in already (a redelivered job then does nothing). */
export async function chunkDone(
  trx: Kysely<DB>,
  importId: number,
  stage: ChunkStage,
  chunk: number,
): Promise<boolean> {
  const row = await trx
    .selectFrom('import_chunks')
    .select('done_at')
    .where('import_id', '=', importId)
    .where('stage', '=', stage)
    .where('chunk', '=', chunk)
    .executeTakeFirst();
  return row?.done_at != null;
}
