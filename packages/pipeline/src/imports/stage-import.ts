// The import job: reads the stored file as a stream, maps and validates every row, and COPYs
// accepted rows into staged_rows and rejects into import_rejects — all in one transaction, so a
// crash leaves no half import visible to matching and a rerun starts clean. A bad file is
// refused whole with the reason, and nothing of it is applied; so are rows the database refuses
// (a data exception): the outcome says so, and the job handler ends the job without retries.
import type pg from 'pg';
import { Readable } from 'node:stream';
import { STAGE_SETTINGS_SQL, copyText, kyselyOnClient } from '@ew/db';
import { IngestError, createRowMapper, openTable, resolveHeaders, type SourceTable } from '@ew/ingest';
import { recordJob, type JobPayload } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { feedMapping } from '../context.ts';
import type { JobControl } from '../runtime.ts';
import { analyzeStageTables } from '../pipeline/analyze.ts';
import { chunkRanges, planChunks } from '../pipeline/progress.ts';
import { StepTimer } from '../pipeline/step-timer.ts';
import { findPreviousDelivery, markDelta } from './delivery-delta.ts';
import {
  dataExceptionFailure,
  isDataException,
  recordImportFailure,
  type ImportFailure,
} from './fail-import.ts';
import { RejectSpool } from './reject-spool.ts';
import { withdrawUnsupported } from './replaced-signals.ts';
import { REJECT_COLUMNS, STAGED_COLUMNS, createStagedLineBuilder, rejectLines } from './stage-rows.ts';

/** Rows per match/evaluate job: big enough for set-based SQL, small enough to share. */
export const CHUNK_ROWS = 50_000;
const PROGRESS_EVERY = 50_000;
const COPY_PIECE = 256 * 1024;

/** What became of the import: refused / failed ones can never succeed (no retry helps). */
export type StageOutcome =
  { outcome: 'staged' | 'skipped' } | ({ outcome: 'refused' | 'failed' } & ImportFailure);

export async function stageImport(
  ctx: AppContext,
  payload: JobPayload<'import'>,
  job?: JobControl,
): Promise<StageOutcome> {
  const { db } = ctx.database;
  const imp = await db
    .selectFrom('imports')
    .selectAll()
    .where('id', '=', payload.importId)
    .executeTakeFirst();
  if (!imp) {
    ctx.logger.warn({ importId: payload.importId }, 'import vanished; skipped');
    return { outcome: 'skipped' };
  }
  if (imp.status !== 'QUEUED' && imp.status !== 'STAGING') {
    ctx.logger.info({ importId: imp.id, status: imp.status }, 'import already staged; skipped');
    return { outcome: 'skipped' };
  }
  const mapping = feedMapping(ctx, imp.feed);

  let table: SourceTable;
  let resolved: ReturnType<typeof resolveHeaders>;
  try {
    // messages name the file as delivered, never the store's path
    table = await openTable(imp.stored_path, { fileName: imp.file_name });
    try {
      resolved = resolveHeaders(mapping, table.headers, ctx.mappings, {
        file: imp.file_name,
        headerRowNo: table.headerRowNo,
      });
    } catch (error) {
      await table.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof IngestError) return refuse(ctx, imp.id, error);
    throw error;
  }

  const client = await ctx.database.pool.connect();
  const spool = new RejectSpool();
  try {
    await client.query('begin');
    await client.query(STAGE_SETTINGS_SQL);
    const locked = await client.query<{ status: string }>(
      `select status from imports where id = $1 for update`,
      [imp.id],
    );
    if (locked.rows[0]?.status !== 'QUEUED' && locked.rows[0]?.status !== 'STAGING') {
      await client.query('rollback');
      return { outcome: 'skipped' };
    }
    await client.query(
      `update imports set status = 'STAGING', started_at = now(), format = $2, encoding = $3, warnings = $4
        where id = $1`,
      [imp.id, table.format, table.encoding ?? null, JSON.stringify(resolved.warnings)],
    );

    const importId = imp.id;
    const timer = new StepTimer();
    const mapRow = createRowMapper(mapping, resolved);
    const toLine = createStagedLineBuilder(imp.id, mapping);
    let rowsRead = 0;
    let rowsAccepted = 0;
    // one pass: parse, map, and build COPY text in ~256 KiB pieces (no per-row stream writes)
    async function* stagedText(): AsyncGenerator<string> {
      let buffer = '';
      for await (const source of table.rows) {
        rowsRead++;
        if (rowsRead % PROGRESS_EVERY === 0) await job?.reportProgress({ rowsRead });
        const result = mapRow(source);
        if (result.ok) {
          buffer += toLine(result.record);
          rowsAccepted++;
          if (buffer.length >= COPY_PIECE) {
            yield buffer;
            buffer = '';
          }
        } else await spool.add(rejectLines(importId, result.rejects));
      }
      if (buffer.length > 0) yield buffer;
    }
    await copyText(client, 'staged_rows', STAGED_COLUMNS, Readable.from(stagedText()));
    await copyText(client, 'import_rejects', REJECT_COLUMNS, await spool.contents());
    await job?.reportProgress({ rowsRead });
    timer.lap('readMapCopy');

    const counts = await finishStaging(client, ctx, imp, rowsRead, rowsAccepted, timer);
    await client.query('commit');
    timer.lap('commit');
    // staged_rows was analyzed inside the transaction already (for the statements above); the
    // rejects too now, and the staged rows again as committed (cheap: a sample)
    await analyzeStageTables(ctx, 'staging', imp.id);
    timer.lap('analyzeAfter');
    ctx.logger.info(
      { importId: imp.id, feed: imp.feed, rowsRead, rowsAccepted, ...counts, ms: timer.ms },
      'import staged',
    );
    return { outcome: 'staged' };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    if (error instanceof IngestError) return refuse(ctx, imp.id, error);
    if (isDataException(error)) {
      ctx.logger.error({ importId: imp.id, err: error }, 'the database refused the rows of the import');
      return fail(ctx, imp.id, dataExceptionFailure(imp.file_name, error));
    }
    throw error;
  } finally {
    client.release();
    await table.close();
    await spool.dispose();
  }
}

interface StagingCounts {
  rowsRejected: number;
  rowsDuplicate: number;
  rowsNew: number;
  rowsChanged: number;
  rowsGone: number;
  chunks: number;
}

async function finishStaging(
  client: pg.PoolClient,
  ctx: AppContext,
  imp: { id: number; feed: string; period: string; replaces_import_id: number | null },
  rowsRead: number,
  rowsAccepted: number,
  timer: StepTimer,
): Promise<StagingCounts> {
  // fresh statistics: without them the planner takes the new import for one row and the
  // duplicate and delta statements below degrade to nested loops over the whole file
  await client.query('analyze staged_rows');
  timer.lap('analyze');
  // identical rows inside the file: the first stands, later ones are counted and not matched.
  // Only groups with more than one row are touched (a hash aggregate, no sort of the file).
  const dup = await client.query(
    `update staged_rows s set duplicate_of = d.first_row
       from (select row_key, row_hash, min(row_no) as first_row
               from staged_rows where import_id = $1
              group by row_key, row_hash having count(*) > 1) d
      where s.import_id = $1 and s.row_key = d.row_key and s.row_hash = d.row_hash
        and s.row_no <> d.first_row`,
    [imp.id],
  );
  timer.lap('duplicates');
  const rejected = await client.query<{ n: number }>(
    `select count(distinct row_no)::int as n from import_rejects where import_id = $1`,
    [imp.id],
  );
  const previous = await findPreviousDelivery(client, imp.id, imp.feed, imp.period, imp.replaces_import_id);
  const delta = await markDelta(client, imp.id, previous, rowsAccepted - (dup.rowCount ?? 0));
  timer.lap('delta');
  if (imp.replaces_import_id !== null) {
    await client.query(`update imports set status = 'REPLACED' where id = $1 and status <> 'REPLACED'`, [
      imp.replaces_import_id,
    ]);
    // the replaced file's open reviews are about rows that no longer count: closed as superseded
    // (the corrected file's own rows get reviews of their own where they need them)
    await client.query(
      `update match_reviews set status = 'SUPERSEDED', decided_by = 'system', decided_at = now()
        where import_id = $1 and status = 'OPEN'`,
      [imp.replaces_import_id],
    );
  }
  const bounds = await client.query<{ lo: number | null; hi: number | null }>(
    `select min(row_no) as lo, max(row_no) as hi from staged_rows where import_id = $1`,
    [imp.id],
  );
  const { lo, hi } = bounds.rows[0]!;
  const ranges = lo === null || hi === null ? [] : chunkRanges(lo, hi, ctx.chunkRows ?? CHUNK_ROWS);
  await client.query(
    `update imports
        set status = $2, staged_at = now(), rows_read = $3, rows_accepted = $4, rows_rejected = $5,
            rows_duplicate = $6, rows_new = $7, rows_changed = $8, rows_gone = $9,
            previous_import_id = $10, finished_at = case when $2 = 'EVALUATED' then now() end
      where id = $1`,
    [
      imp.id,
      ranges.length === 0 ? 'EVALUATED' : 'STAGED',
      rowsRead,
      rowsAccepted,
      rejected.rows[0]!.n,
      dup.rowCount ?? 0,
      delta.rowsNew,
      delta.rowsChanged,
      delta.rowsGone,
      previous,
    ],
  );
  const trx = kyselyOnClient(client);
  // a corrected file without a row is evaluated now: the replaced delivery's signals all go
  // (with rows, its last evaluate chunk does it: replaced-signals.ts)
  if (ranges.length === 0 && imp.replaces_import_id !== null) await withdrawUnsupported(trx, imp);
  // the match jobs for every chunk, committed with the rows they will read
  await planChunks(trx, imp.id, 'match', ranges);
  for (const r of ranges) await recordJob(trx, 'match', { importId: imp.id, ...r });
  timer.lap('plan');
  return {
    rowsRejected: rejected.rows[0]!.n,
    rowsDuplicate: dup.rowCount ?? 0,
    rowsNew: delta.rowsNew,
    rowsChanged: delta.rowsChanged,
    rowsGone: delta.rowsGone,
    chunks: ranges.length,
  };
}

async function refuse(ctx: AppContext, importId: number, error: IngestError): Promise<StageOutcome> {
  const failure: ImportFailure = { status: 'REFUSED', code: error.code, message: error.message };
  await recordImportFailure(ctx.database.db, importId, failure);
  ctx.logger.warn({ importId, code: error.code }, 'import refused');
  return { outcome: 'refused', ...failure };
}

async function fail(ctx: AppContext, importId: number, failure: ImportFailure): Promise<StageOutcome> {
  await recordImportFailure(ctx.database.db, importId, failure);
  ctx.logger.warn({ importId, code: failure.code }, 'import failed');
  return { outcome: 'failed', ...failure };
}
