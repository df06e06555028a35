// The evaluate job's handler body: the feed rules over one matched chunk of an import, in ONE
// transaction — the chunk's signals, its "done" mark and, for the last chunk, the raiseAlerts job
// in the outbox commit together or not at all.
//
// Idempotent: a redelivered job finds the chunk done and does nothing; two deliveries at once are
// serialised by the lock on the chunk's import_chunks row, and the signal insert is
// `on conflict do nothing` besides.
import { sql, type Transaction } from 'kysely';
import { STAGE_SETTINGS_SQL, type DB, type ImportStatus } from '@ew/db';
import type { JobPayload } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { raiseAlertsForSignals, recordRaiseAlertsJobs, type RaiseResult } from '../alerts/raise-alerts.ts';
import { analyzeStageTables } from '../pipeline/analyze.ts';
import { chunkDone, completeChunk } from '../pipeline/progress.ts';
import { withdrawLateChunk, withdrawUnsupported } from '../imports/replaced-signals.ts';
import { insertFeedSignals } from './feed-signals.ts';

/** A delivery refused, failed or replaced by a corrected file raises nothing. */
const NOT_EVALUABLE: ReadonlySet<ImportStatus> = new Set(['REFUSED', 'FAILED', 'REPLACED']);

export type EvaluateChunkOutcome =
  | { outcome: 'skipped'; reason: 'import-gone' | 'import-not-evaluable' | 'already-done' }
  | { outcome: 'evaluated'; completion: 'more-to-come' | 'last'; signals: Record<string, number> };

export async function evaluateChunk(
  ctx: AppContext,
  payload: JobPayload<'evaluate'>,
): Promise<EvaluateChunkOutcome> {
  const started = Date.now();
  const result = await ctx.database.db.transaction().execute((trx) => evaluateChunkIn(trx, ctx, payload));
  const { importId, chunk } = payload;
  if (result.outcome === 'skipped')
    ctx.logger.info({ importId, chunk, reason: result.reason }, 'evaluate chunk skipped');
  else {
    ctx.logger.info(
      { importId, chunk, completion: result.completion, signals: result.signals, ms: Date.now() - started },
      'evaluate chunk done',
    );
    if (result.completion === 'last') await analyzeStageTables(ctx, 'evaluate', importId);
  }
  return result;
}

/** The chunk's work inside the caller's transaction (exported for tests and the bench). */
export async function evaluateChunkIn(
  trx: Transaction<DB>,
  ctx: Pick<AppContext, 'config'>,
  payload: JobPayload<'evaluate'>,
): Promise<EvaluateChunkOutcome> {
  const { importId, chunk, rowFrom, rowTo } = payload;
  await sql.raw(STAGE_SETTINGS_SQL).execute(trx);
  const imp = await trx
    .selectFrom('imports')
    .select(['id', 'feed', 'period', 'status'])
    .where('id', '=', importId)
    .executeTakeFirst();
  if (imp === undefined) return { outcome: 'skipped', reason: 'import-gone' };
  if (NOT_EVALUABLE.has(imp.status)) return { outcome: 'skipped', reason: 'import-not-evaluable' };

  // Lock this chunk's row: a concurrent redelivery waits here, then sees it done.
  const planned = await trx
    .selectFrom('import_chunks')
    .select(['row_from', 'row_to'])
    .where('import_id', '=', importId)
    .where('stage', '=', 'evaluate')
    .where('chunk', '=', chunk)
    .forUpdate()
    .executeTakeFirst();
  if (planned === undefined)
    throw new Error(`evaluate chunk ${chunk} of import ${importId} was never planned`);
  if (planned.row_from !== rowFrom || planned.row_to !== rowTo) {
    throw new Error(
      `evaluate chunk ${chunk} of import ${importId}: payload rows [${rowFrom}, ${rowTo}) differ from the plan [${planned.row_from}, ${planned.row_to})`,
    );
  }
  if (await chunkDone(trx, importId, 'evaluate', chunk))
    return { outcome: 'skipped', reason: 'already-done' };

  const signals = await insertFeedSignals(trx, ctx.config, imp, { rowFrom, rowTo });

  const completion = await completeChunk(trx, importId, 'evaluate', chunk);
  if (completion === 'already-done') return { outcome: 'skipped', reason: 'already-done' }; // unreachable under the lock
  // completeChunk holds the import's row lock now: a corrected file staged while this chunk ran
  // is seen here (see imports/replaced-signals.ts), and what the chunk raised is withdrawn
  const now = await trx.selectFrom('imports').select('status').where('id', '=', importId).executeTakeFirst();
  if (now?.status === 'REPLACED') {
    await withdrawLateChunk(trx, importId, { rowFrom, rowTo });
    return { outcome: 'evaluated', completion, signals };
  }
  if (completion === 'last') {
    // a corrected file: what the delivery it replaced raised and it does not is withdrawn
    await withdrawUnsupported(trx, imp);
    await recordRaiseAlertsJobs(trx, importId);
  }
  return { outcome: 'evaluated', completion, signals };
}

/**
 * One row matched after the import was evaluated (a reviewer accepted a candidate, see
 * match/review.ts): its rules run and its signals become alerts at once. Idempotent like the rest.
 */
export async function evaluateMatchedRow(
  ctx: Pick<AppContext, 'config' | 'database'>,
  row: { importId: number; rowNo: number },
): Promise<MatchedRowsEvaluation> {
  return evaluateMatchedRows(ctx, row.importId, [row.rowNo]);
}

export type MatchedRowsEvaluation =
  | { signals: Record<string, number>; alerts: RaiseResult }
  | { skipped: 'import-gone' | 'import-not-evaluable' };

/**
 * Rows of one import matched after it was evaluated (a register snapshot's re-match), in ONE
 * transaction: one rules statement over the rows, one raise over their pending signals.
 * Idempotent: signals are unique by identity, and only signals in no alert yet are raised.
 */
export async function evaluateMatchedRows(
  ctx: Pick<AppContext, 'config' | 'database'>,
  importId: number,
  rowNos: readonly number[],
): Promise<MatchedRowsEvaluation> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const imp = await trx
      .selectFrom('imports')
      .select(['id', 'feed', 'period', 'status'])
      .where('id', '=', importId)
      .executeTakeFirst();
    if (imp === undefined) return { skipped: 'import-gone' as const };
    if (NOT_EVALUABLE.has(imp.status)) return { skipped: 'import-not-evaluable' as const };
    const signals = await insertFeedSignals(trx, ctx.config, imp, { rowNos });
    const rows = await trx
      .selectFrom('signals')
      .select('id')
      .where('import_id', '=', imp.id)
      .where('row_no', '=', sql<number>`any(${[...rowNos]}::int[])`)
      .execute();
    const alerts = await raiseAlertsForSignals(
      trx,
      ctx,
      { signalIds: rows.map((r) => r.id) },
      { asOf: imp.period },
    );
    return { signals, alerts };
  });
}
