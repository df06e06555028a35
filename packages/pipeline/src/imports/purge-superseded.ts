// Staged rows of superseded deliveries: an import REPLACED by a corrected file keeps its staged
// rows (as many as the file had) though nothing reads them any more — the corrected delivery is
// the live one, and the next delivery's delta compares against that. The import row, its report
// counts, rejects, matches and signals stay; only staged_rows are deleted, one import per
// statement, then the table is analyzed. Audited.
import { sql } from 'kysely';
import type { Database } from '@ew/db';

export interface PurgedDelivery {
  importId: number;
  feed: string;
  period: string;
  /** Staged rows deleted (or, in a dry run, that would be). */
  rows: number;
}

export async function purgeSupersededStagedRows(
  db: Database,
  options: { dryRun?: boolean; actor: string },
): Promise<PurgedDelivery[]> {
  const superseded = await db
    .selectFrom('imports')
    .select(['id', 'feed', sql<string>`period::text`.as('period')])
    .where('status', '=', 'REPLACED')
    .where((eb) =>
      eb.exists(
        eb.selectFrom('staged_rows').select('row_no').whereRef('staged_rows.import_id', '=', 'imports.id'),
      ),
    )
    .orderBy('id')
    .execute();
  const purged: PurgedDelivery[] = [];
  for (const imp of superseded) {
    let rows: number;
    if (options.dryRun) {
      const counted = await db
        .selectFrom('staged_rows')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('import_id', '=', imp.id)
        .executeTakeFirstOrThrow();
      rows = counted.n;
    } else {
      rows = await db.transaction().execute(async (trx) => {
        // still superseded (a status never goes back from REPLACED, but take the row's lock anyway)
        const locked = await trx
          .selectFrom('imports')
          .select('status')
          .where('id', '=', imp.id)
          .forUpdate()
          .executeTakeFirst();
        if (locked?.status !== 'REPLACED') return 0;
        const deleted = await trx
          .deleteFrom('staged_rows')
          .where('import_id', '=', imp.id)
          .executeTakeFirst();
        const n = Number(deleted.numDeletedRows);
        await trx
          .insertInto('audit_log')
          .values({
            actor: options.actor,
            action: 'STAGED_ROWS_PURGED',
            subject_type: 'import',
            subject_id: String(imp.id),
            detail: JSON.stringify({ rows: n, reason: 'REPLACED' }),
          })
          .execute();
        return n;
      });
    }
    purged.push({ importId: imp.id, feed: imp.feed, period: imp.period, rows });
  }
  if (!options.dryRun && purged.length > 0) await sql`analyze staged_rows`.execute(db);
  return purged;
}
