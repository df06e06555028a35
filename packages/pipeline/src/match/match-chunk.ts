// The match job's handler body: one chunk (a row range) of an import's staged rows, in ONE
// transaction — the chunk's matches and reviews, its "done" mark, the evaluate job in the outbox
// and, for the last chunk, the import's MATCHED status commit together or not at all.
//
// Idempotent: a redelivered job (BullMQ delivers at least once) finds the chunk done and does
// nothing; two deliveries at once are serialised by the lock on the chunk's import_chunks row,
// and every insert is `on conflict do nothing` besides.
import { sql, type Transaction } from 'kysely';
import { STAGE_SETTINGS_SQL, type DB, type ImportStatus } from '@ew/db';
import { recordJob, type JobPayload } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { analyzeStageTables } from '../pipeline/analyze.ts';
import { chunkDone, completeChunk, type ChunkCompletion } from '../pipeline/progress.ts';
import { matchRows, type MatchCounts } from './match-rows.ts';
import { rowRange } from './row-filter.ts';

/** A delivery that was refused, failed or replaced by a corrected file is not matched. */
const NOT_MATCHABLE: ReadonlySet<ImportStatus> = new Set(['REFUSED', 'FAILED', 'REPLACED']);

export type MatchChunkOutcome =
  | { outcome: 'skipped'; reason: 'import-gone' | 'import-not-matchable' | 'already-done' }
  | { outcome: 'matched'; completion: Exclude<ChunkCompletion, 'already-done'>; counts: MatchCounts };

export async function matchChunk(ctx: AppContext, payload: JobPayload<'match'>): Promise<void> {
  const started = Date.now();
  const result = await ctx.database.db.transaction().execute((trx) => matchChunkIn(trx, ctx, payload));
  const { importId, chunk } = payload;
  if (result.outcome === 'skipped') {
    ctx.logger.info({ importId, chunk, reason: result.reason }, 'match chunk skipped');
  } else {
    ctx.logger.info(
      { importId, chunk, completion: result.completion, counts: result.counts, ms: Date.now() - started },
      'match chunk done',
    );
    if (result.completion === 'last') await analyzeStageTables(ctx, 'match', importId);
  }
}

/** The chunk's work inside the caller's transaction (exported for tests and the bench). */
export async function matchChunkIn(
  trx: Transaction<DB>,
  ctx: AppContext,
  payload: JobPayload<'match'>,
): Promise<MatchChunkOutcome> {
  const { importId, chunk, rowFrom, rowTo } = payload;
  await sql.raw(STAGE_SETTINGS_SQL).execute(trx);
  const imp = await trx
    .selectFrom('imports')
    .select(['status'])
    .where('id', '=', importId)
    .executeTakeFirst();
  if (imp === undefined) return { outcome: 'skipped', reason: 'import-gone' };
  if (NOT_MATCHABLE.has(imp.status)) return { outcome: 'skipped', reason: 'import-not-matchable' };

  // Lock this chunk's row: a concurrent redelivery waits here, then sees it done.
  const planned = await trx
    .selectFrom('import_chunks')
    .select(['row_from', 'row_to'])
    .where('import_id', '=', importId)
    .where('stage', '=', 'match')
    .where('chunk', '=', chunk)
    .forUpdate()
    .executeTakeFirst();
  if (planned === undefined) throw new Error(`match chunk ${chunk} of import ${importId} was never planned`);
  if (planned.row_from !== rowFrom || planned.row_to !== rowTo) {
    throw new Error(
      `match chunk ${chunk} of import ${importId}: payload rows [${rowFrom}, ${rowTo}) differ from the plan [${planned.row_from}, ${planned.row_to})`,
    );
  }
  if (await chunkDone(trx, importId, 'match', chunk)) return { outcome: 'skipped', reason: 'already-done' };

  const counts = await matchRows(trx, ctx, importId, rowRange(rowFrom, rowTo));

  const completion = await completeChunk(trx, importId, 'match', chunk);
  if (completion === 'already-done') return { outcome: 'skipped', reason: 'already-done' }; // unreachable under the lock
  await planEvaluateChunks(trx, importId);
  await recordJob(trx, 'evaluate', { importId, chunk, rowFrom, rowTo });
  // completeChunk holds the import row's lock now, so these updates add no contention
  if (completion === 'last') {
    await trx
      .updateTable('imports')
      .set({ status: 'MATCHED' })
      .where('id', '=', importId)
      .where('status', 'in', ['STAGED', 'MATCHING'])
      .execute();
  } else {
    await trx
      .updateTable('imports')
      .set({ status: 'MATCHING' })
      .where('id', '=', importId)
      .where('status', '=', 'STAGED')
      .execute();
  }
  return { outcome: 'matched', completion, counts };
}

/**
 * The evaluate stage runs over the same chunks. All of them are planned before its first job is
 * recorded, so its completeChunk can never see 'last' while match chunks are still running.
 * (A no-op when the import stage planned them already.)
 */
async function planEvaluateChunks(trx: Transaction<DB>, importId: number): Promise<void> {
  await sql`
    insert into import_chunks (import_id, stage, chunk, row_from, row_to)
    select import_id, 'evaluate', chunk, row_from, row_to
      from import_chunks
     where import_id = ${importId} and stage = 'match'
    on conflict do nothing`.execute(trx);
}
