// `register import FILE`: loads a full register snapshot (户籍 / 低收入人口库). All or nothing: the
// snapshot is applied in one transaction, or refused with the reason and nothing applied.
// Loading the same bytes again changes nothing.
import { basename } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from '@ew/config';
import { kyselyOnClient, type DatabaseHandle, type StoredFileWarning } from '@ew/db';
import { recordJob } from '@ew/queue';
import { IngestError, openTable, resolveHeaders, type FeedMapping } from '@ew/ingest';
import { sha256File } from '../files.ts';
import { applySnapshot } from './register-apply.ts';
import { createLoadTable, loadRegisterRows } from './register-load.ts';

export interface RegisterImportResult {
  snapshotId: number;
  outcome: 'APPLIED' | 'ALREADY_LOADED' | 'REFUSED';
  rowsRead: number;
  accepted: number;
  rejected: number;
  households: number;
  persons: number;
  events: Record<string, number>;
  /** Header notes: columns ignored, optional fields absent, fields derived from another column. */
  warnings: StoredFileWarning[];
  error?: { code: string; message: string };
}

export interface RegisterImportDeps {
  database: DatabaseHandle;
  mapping: FeedMapping;
  /** Every feed's mapping, to tell the administrator when a file belongs to another feed. */
  allMappings?: ReadonlyMap<string, FeedMapping>;
  logger: Logger;
}

/** Serialises snapshot loads across processes. */
const REGISTER_LOCK = 0x7265_6769; // 'regi'

export interface RegisterImportOptions {
  /** The extract's as-of date (YYYY-MM-DD); register rules are judged as of it. Default: today. */
  asOf?: string;
}

export async function importRegister(
  deps: RegisterImportDeps,
  file: string,
  options: RegisterImportOptions = {},
): Promise<RegisterImportResult> {
  const { database, mapping, logger } = deps;
  const sha256 = await sha256File(file);
  const fileName = basename(file);

  const known = await database.db
    .selectFrom('register_snapshots')
    .selectAll()
    .where('file_sha256', '=', sha256)
    .executeTakeFirst();
  if (known) {
    logger.info({ snapshotId: known.id, status: known.status }, 'register file already seen');
    return {
      snapshotId: known.id,
      outcome: known.status === 'REFUSED' ? 'REFUSED' : 'ALREADY_LOADED',
      rowsRead: known.rows_read,
      accepted: known.rows_accepted,
      rejected: known.rows_rejected,
      households: known.households,
      persons: known.persons,
      events: {},
      warnings: known.warnings,
      ...(known.error_code ? { error: { code: known.error_code, message: known.error_message ?? '' } } : {}),
    };
  }

  const table = await openTableOrRefuse(deps, file, sha256);
  if ('outcome' in table) return table;

  const client = await database.pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [REGISTER_LOCK]);
    const previous = await client.query(`select 1 from register_snapshots where status = 'APPLIED' limit 1`);
    const warnings: StoredFileWarning[] = [...table.resolved.headers.warnings];
    const { rows } = await client.query<{ id: number }>(
      `insert into register_snapshots (file_sha256, file_name, encoding, as_of, status, warnings)
       values ($1, $2, $3, coalesce($4::date, current_date), 'LOADING', $5) returning id`,
      [sha256, fileName, table.resolved.encoding, options.asOf ?? null, JSON.stringify(warnings)],
    );
    const snapshotId = rows[0]!.id;
    await createLoadTable(client);
    const { rowsRead } = await loadRegisterRows(client, mapping, table.resolved.headers, table.table);
    const counts = await applySnapshot(client, snapshotId, previous.rowCount === 0);
    await client.query(
      `update register_snapshots
          set status = 'APPLIED', applied_at = now(), rows_read = $2, rows_accepted = $3,
              rows_rejected = $4, households = $5, persons = $6
        where id = $1`,
      [snapshotId, rowsRead, counts.accepted, counts.rejected, counts.households, counts.persons],
    );
    // the follow-up (re-match, register-income rules) commits with the snapshot
    await recordJob(kyselyOnClient(client), 'registerApplied', { snapshotId });
    await client.query('commit');
    logger.info({ snapshotId, rowsRead, ...counts }, 'register snapshot applied');
    return { snapshotId, outcome: 'APPLIED', rowsRead, ...counts, warnings };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    if (error instanceof IngestError) return refuse(deps, file, sha256, error);
    throw error;
  } finally {
    client.release();
    await table.table.close();
  }
}

type OpenedTable = {
  table: Awaited<ReturnType<typeof openTable>>;
  resolved: { headers: ReturnType<typeof resolveHeaders>; encoding: string | null };
};

async function openTableOrRefuse(
  deps: RegisterImportDeps,
  file: string,
  sha256: string,
): Promise<OpenedTable | RegisterImportResult> {
  try {
    const table = await openTable(file, { fileName: basename(file) });
    try {
      const headers = resolveHeaders(deps.mapping, table.headers, deps.allMappings, {
        file: basename(file),
        headerRowNo: table.headerRowNo,
      });
      return { table, resolved: { headers, encoding: table.encoding ?? table.format } };
    } catch (error) {
      await table.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof IngestError) return refuse(deps, file, sha256, error);
    throw error;
  }
}

/** A refused file is remembered (so the same bytes are refused at once) and nothing else changes. */
async function refuse(
  deps: RegisterImportDeps,
  file: string,
  sha256: string,
  error: IngestError,
): Promise<RegisterImportResult> {
  const row = await deps.database.db
    .insertInto('register_snapshots')
    .values({
      file_sha256: sha256,
      file_name: basename(file),
      encoding: null,
      status: 'REFUSED',
      error_code: error.code,
      error_message: error.message,
    })
    .onConflict((oc) => oc.column('file_sha256').doUpdateSet({ file_sha256: sql`excluded.file_sha256` }))
    .returning('id')
    .executeTakeFirstOrThrow();
  deps.logger.warn({ snapshotId: row.id, code: error.code }, 'register file refused');
  return {
    snapshotId: row.id,
    outcome: 'REFUSED',
    rowsRead: 0,
    accepted: 0,
    rejected: 0,
    households: 0,
    persons: 0,
    events: {},
    warnings: [],
    error: { code: error.code, message: error.message },
  };
}
