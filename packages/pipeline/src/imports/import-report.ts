// The import report the data administrator reads: what was read, accepted, rejected (by reason,
// with the first examples), duplicated, new / changed / gone since the previous delivery, and —
// as the later stages finish — matched by method, sent to review, alerts raised.
import { sql } from 'kysely';
import type { Database, StoredFileWarning } from '@ew/db';
import { compareWithReplaced, type ReplacementDelta } from './delivery-delta.ts';
import { csvSafeCell } from '@ew/core';

export interface RejectReasonSummary {
  reason: string;
  rows: number;
  examples: Array<{ rowNo: number; column: string | null; value: string | null; message: string }>;
}

export interface ImportReport {
  importId: number;
  feed: string;
  period: string;
  fileName: string;
  status: string;
  error: { code: string; message: string } | null;
  format: string | null;
  encoding: string | null;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  /** Header notes: columns ignored, optional fields absent, fields derived from another column. */
  warnings: StoredFileWarning[];
  delta: { previousImportId: number | null; new: number | null; changed: number | null; gone: number | null };
  /** A corrected file (--replace): its rows against the delivery it replaced; null otherwise. */
  replaced: (ReplacementDelta & { signalsWithdrawn: number }) | null;
  rejectsByReason: RejectReasonSummary[];
  matchedByMethod: Record<string, number>;
  reviewsOpen: number;
  /** Its live signals per code (a corrected file's include those it took over from the replaced one). */
  signalsByCode: Record<string, number>;
  /** Its signals withdrawn since (a replaced delivery's: what the corrected file no longer raises). */
  signalsWithdrawn: number;
  alertsRaised: number;
}

const EXAMPLES_PER_REASON = 5;

export async function importReport(db: Database, importId: number): Promise<ImportReport | null> {
  const imp = await db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirst();
  if (!imp) return null;

  const reasons = await db
    .selectFrom('import_rejects')
    .select(['reason', sql<number>`count(distinct row_no)::int`.as('rows')])
    .where('import_id', '=', importId)
    .groupBy('reason')
    .orderBy('rows', 'desc')
    .execute();
  const examples = await db
    .selectFrom(
      db
        .selectFrom('import_rejects')
        .select([
          'reason',
          'row_no',
          'column_name',
          'value_masked',
          'message',
          sql<number>`row_number() over (partition by reason order by row_no)`.as('n'),
        ])
        .where('import_id', '=', importId)
        .as('r'),
    )
    .selectAll()
    .where('n', '<=', EXAMPLES_PER_REASON)
    .orderBy('row_no')
    .execute();

  const methods = await db
    .selectFrom('matches')
    .select(['method', sql<number>`count(*)::int`.as('n')])
    .where('import_id', '=', importId)
    .groupBy('method')
    .execute();
  const reviews = await db
    .selectFrom('match_reviews')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('import_id', '=', importId)
    .where('status', '=', 'OPEN')
    .executeTakeFirstOrThrow();
  const signals = await db
    .selectFrom('signals')
    .select(['code', sql<number>`count(*)::int`.as('n')])
    .where('import_id', '=', importId)
    .where('superseded_at', 'is', null)
    .groupBy('code')
    .execute();
  /** Signals of a delivery withdrawn since they were raised (alerts/withdraw-signals.ts). */
  const withdrawnOf = async (id: number): Promise<number> =>
    (
      await db
        .selectFrom('signals')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('import_id', '=', id)
        .where('superseded_at', 'is not', null)
        .executeTakeFirstOrThrow()
    ).n;
  const alerts = await db
    .selectFrom('signals')
    .innerJoin('alert_signals', 'alert_signals.signal_id', 'signals.id')
    .select(sql<number>`count(distinct alert_signals.alert_id)::int`.as('n'))
    .where('signals.import_id', '=', importId)
    .executeTakeFirstOrThrow();

  const staged =
    imp.staged_at !== null || ['STAGED', 'MATCHING', 'MATCHED', 'EVALUATED'].includes(imp.status);
  const replaced =
    imp.replaces_import_id !== null && staged
      ? {
          ...(await compareWithReplaced(db, imp.id, imp.replaces_import_id)),
          // what the replaced file raised and this one did not (imports/replaced-signals.ts)
          signalsWithdrawn: await withdrawnOf(imp.replaces_import_id),
        }
      : null;

  return {
    importId: imp.id,
    feed: imp.feed,
    period: imp.period,
    fileName: imp.file_name,
    status: imp.status,
    error: imp.error_code ? { code: imp.error_code, message: imp.error_message ?? '' } : null,
    format: imp.format,
    encoding: imp.encoding,
    rowsRead: imp.rows_read,
    rowsAccepted: imp.rows_accepted,
    rowsRejected: imp.rows_rejected,
    rowsDuplicate: imp.rows_duplicate,
    warnings: imp.warnings,
    delta: {
      previousImportId: imp.previous_import_id,
      new: imp.rows_new,
      changed: imp.rows_changed,
      gone: imp.rows_gone,
    },
    replaced,
    rejectsByReason: reasons.map((r) => ({
      reason: r.reason,
      rows: r.rows,
      examples: examples
        .filter((e) => e.reason === r.reason)
        .map((e) => ({ rowNo: e.row_no, column: e.column_name, value: e.value_masked, message: e.message })),
    })),
    matchedByMethod: Object.fromEntries(methods.map((m) => [m.method, m.n])),
    reviewsOpen: reviews.n,
    signalsByCode: Object.fromEntries(signals.map((s) => [s.code, s.n])),
    signalsWithdrawn: await withdrawnOf(importId),
    alertsRaised: alerts.n,
  };
}

/** The rejects of an import as CSV for the department (values masked as stored). */
export async function* rejectsCsv(db: Database, importId: number): AsyncGenerator<string> {
  yield '\uFEFF' + ['row', 'column', 'reason', 'value', 'message'].join(',') + '\r\n';
  const pageSize = 10_000;
  let after: { row: number; field: string } = { row: -1, field: '' };
  for (;;) {
    const page = await db
      .selectFrom('import_rejects')
      .select(['row_no', 'field', 'column_name', 'reason', 'value_masked', 'message'])
      .where('import_id', '=', importId)
      .where(sql<boolean>`(row_no, field) > (${after.row}, ${after.field})`)
      .orderBy('row_no')
      .orderBy('field')
      .limit(pageSize)
      .execute();
    if (page.length === 0) return;
    let lines = '';
    for (const r of page) {
      lines +=
        [r.row_no, r.column_name, r.reason, r.value_masked, r.message].map(csvSafeCell).join(',') + '\r\n';
    }
    yield lines;
    const last = page[page.length - 1]!;
    after = { row: last.row_no, field: last.field };
    if (page.length < pageSize) return;
  }
}
