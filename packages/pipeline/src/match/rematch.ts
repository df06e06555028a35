// Re-matching after a register snapshot (issue 4 §4). For the current period of every feed (the
// latest MATCHED / EVALUATED import per feed):
//   - rows whose match is OUTSIDE or UNMATCHED are matched again, through the same matchRows as
//     the match job (people who moved in are found now);
//   - matches to persons who are no longer active are flagged evidence.leftRegister = true (and a
//     person who came back loses the flag).
// Idempotent per snapshot: a re-matched row carries evidence.rematchedFor = snapshotId and is not
// re-matched again for that snapshot; a flag is set once. One transaction per import.
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { matchRows } from './match-rows.ts';
import { rowSet } from './row-filter.ts';

export interface RematchResult {
  /** Imports of current periods that were looked at. */
  imports: number;
  /** OUTSIDE / UNMATCHED rows matched again. */
  rematched: number;
  /** … of which are now matched (ID, FALLBACK, or MANUAL by an earlier review's decision). */
  newlyMatched: number;
  /** Matches newly flagged because their person left the register. */
  flaggedLeft: number;
  /** Flags cleared because the person is in the register again. */
  unflagged: number;
  /** The newly matched rows: the caller triggers their rule evaluation. */
  newlyMatchedRows: Array<{ importId: number; rowNo: number }>;
}

export async function rematchAfterSnapshot(ctx: AppContext, snapshotId: number): Promise<RematchResult> {
  const db = ctx.database.db;
  const snapshot = await db
    .selectFrom('register_snapshots')
    .select('status')
    .where('id', '=', snapshotId)
    .executeTakeFirst();
  if (snapshot?.status !== 'APPLIED') throw new Error(`register snapshot ${snapshotId} is not applied`);

  const { rows: current } = await sql<{ id: number }>`
    select i.id
      from imports i
     where i.status in ('MATCHED', 'EVALUATED')
       and i.period = (select max(j.period) from imports j
                        where j.feed = i.feed and j.status in ('MATCHED', 'EVALUATED'))
     order by i.id`.execute(db);

  const result: RematchResult = {
    imports: current.length,
    rematched: 0,
    newlyMatched: 0,
    flaggedLeft: 0,
    unflagged: 0,
    newlyMatchedRows: [],
  };
  for (const { id: importId } of current) {
    await db.transaction().execute(async (trx) => {
      // one re-match of an import at a time (two snapshots in quick succession)
      await trx.selectFrom('imports').select('id').where('id', '=', importId).forUpdate().execute();

      const reopened = await trx
        .deleteFrom('matches')
        .where('import_id', '=', importId)
        .where('method', 'in', ['OUTSIDE', 'UNMATCHED'])
        .where(sql<boolean>`coalesce((evidence->>'rematchedFor')::bigint, 0) < ${snapshotId}`)
        .returning('row_no')
        .execute();
      const rowNos = reopened.map((r) => r.row_no);
      if (rowNos.length > 0) {
        await matchRows(trx, ctx, importId, rowSet(rowNos));
        const matched = await trx
          .updateTable('matches')
          .set({ evidence: sql`evidence || jsonb_build_object('rematchedFor', ${snapshotId}::bigint)` })
          .where('import_id', '=', importId)
          .where('row_no', '=', sql<number>`any(${rowNos}::int[])`)
          .returning(['row_no', 'method'])
          .execute();
        // MANUAL: a review that took an earlier decision (review-reuse.ts)
        const newly = matched.filter(
          (m) => m.method === 'ID' || m.method === 'FALLBACK' || m.method === 'MANUAL',
        );
        result.rematched += rowNos.length;
        result.newlyMatched += newly.length;
        for (const m of newly) result.newlyMatchedRows.push({ importId, rowNo: m.row_no });
      }

      const flagged = await sql`
        update matches m
           set evidence = m.evidence || jsonb_build_object('leftRegister', true, 'leftSnapshotId', ${snapshotId}::bigint)
          from persons p
         where m.import_id = ${importId} and p.id = m.person_id and not p.active
           and not (m.evidence ? 'leftRegister')`.execute(trx);
      const unflagged = await sql`
        update matches m
           set evidence = m.evidence - 'leftRegister' - 'leftSnapshotId'
          from persons p
         where m.import_id = ${importId} and p.id = m.person_id and p.active
           and m.evidence ? 'leftRegister'`.execute(trx);
      result.flaggedLeft += Number(flagged.numAffectedRows ?? 0);
      result.unflagged += Number(unflagged.numAffectedRows ?? 0);
    });
  }
  ctx.logger.info(
    {
      snapshotId,
      imports: result.imports,
      rematched: result.rematched,
      newlyMatched: result.newlyMatched,
      flaggedLeft: result.flaggedLeft,
      unflagged: result.unflagged,
    },
    'rematched after register snapshot',
  );
  return result;
}
