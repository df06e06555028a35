// Bulk writes of the decisions made in TypeScript: multi-row inserts in batches, `on conflict do
// nothing` so a rerun never doubles a match or a review.
import type { Transaction } from 'kysely';
import type { DB } from '@ew/db';
import type { MatchDecision } from './decide.ts';

/** Rows per insert statement (6 parameters each, far below Postgres' 65,535). */
const BATCH = 5_000;

export async function writeDecisions(
  trx: Transaction<DB>,
  importId: number,
  decisions: readonly MatchDecision[],
): Promise<void> {
  for (let i = 0; i < decisions.length; i += BATCH) {
    const batch = decisions.slice(i, i + BATCH);
    await trx
      .insertInto('matches')
      .values(
        batch.map((d) => ({
          import_id: importId,
          row_no: d.rowNo,
          person_id: d.personId,
          method: d.method,
          score: d.score,
          evidence: JSON.stringify(d.evidence),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    const reviews = batch.filter((d) => d.review !== undefined);
    if (reviews.length === 0) continue;
    await trx
      .insertInto('match_reviews')
      .values(
        reviews.map((d) => ({
          import_id: importId,
          row_no: d.rowNo,
          kind: d.review!.kind,
          // a JSON array must be passed as text: node-pg would turn a JS array into a Postgres array
          candidates: JSON.stringify(d.review!.candidates),
          chosen_person_id: null,
          decided_by: null,
          decided_at: null,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
