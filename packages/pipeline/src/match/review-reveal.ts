// A review's full values (domain §8): the row's ID number and name and every candidate's, for the
// data administrator who must tell namesakes apart. Only on request with a reason, audited as
// review.reveal through @ew/accounts' one reveal rule (the same as a task's ID number).
import type { Kysely } from 'kysely';
import { auditReveal, type Operator } from '@ew/accounts';
import type { DB } from '@ew/db';
import { ReviewDecisionError } from './review.ts';

export interface RevealedPerson {
  /** The full ID number; for a row without a usable one, its normalised text (null: none). */
  idNumber: string | null;
  name: string | null;
}

export interface RevealedReview {
  reviewId: number;
  row: RevealedPerson;
  candidates: Array<RevealedPerson & { personId: number }>;
}

export async function revealReview(
  db: Kysely<DB>,
  operator: Operator,
  reviewId: number,
  reason: string,
): Promise<RevealedReview> {
  return db.transaction().execute(async (trx) => {
    const review = await trx
      .selectFrom('match_reviews as r')
      .innerJoin('staged_rows as s', (j) =>
        j.onRef('s.import_id', '=', 'r.import_id').onRef('s.row_no', '=', 'r.row_no'),
      )
      .select(['r.import_id', 'r.row_no', 'r.candidates', 's.id_number', 's.name', 's.payload'])
      .where('r.id', '=', reviewId)
      .executeTakeFirst();
    if (review === undefined) throw new ReviewDecisionError('REVIEW_NOT_FOUND', `no review ${reviewId}`);
    const personIds = review.candidates.map((c) => c.personId);
    const persons =
      personIds.length === 0
        ? []
        : await trx
            .selectFrom('persons')
            .select(['id', 'id_number', 'name'])
            .where('id', 'in', personIds)
            .execute();
    const byId = new Map(persons.map((p) => [p.id, p]));
    await auditReveal(trx, {
      operator,
      action: 'review.reveal',
      subjectType: 'match_review',
      subjectId: reviewId,
      reason,
      detail: { importId: review.import_id, rowNo: review.row_no, personIds },
    });
    const rawId = review.payload['id_raw_norm'];
    return {
      reviewId,
      row: {
        idNumber: review.id_number ?? (typeof rawId === 'string' && rawId !== '' ? rawId : null),
        name: review.name,
      },
      candidates: personIds.map((personId) => ({
        personId,
        idNumber: byId.get(personId)?.id_number ?? null,
        name: byId.get(personId)?.name ?? null,
      })),
    };
  });
}
