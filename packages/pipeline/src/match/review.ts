// The review list (domain §3, issue 4 §3): REVIEW and CONFLICT rows with their candidates side by
// side, masked (first 6 + last 4 of an ID, surname only), and the administrator's decision.
//
// Hook for rule evaluation: `decideReview` returns `newlyMatched` ({ importId, rowNo }) when an
// accept matched a row. The caller (CLI / API) triggers the evaluation of that row; the evaluate
// stage owns how (its chunk jobs are keyed by chunk and have already run for this import).
import { sql, type Kysely } from 'kysely';
import { audit } from '@ew/accounts';
import { maskIdNumber, maskName } from '@ew/core';
import type { DB, Gender, Relation } from '@ew/db';
import type { ReviewCandidate } from './decide.ts';

export type { ReviewStatus } from '@ew/db';
import type { ReviewStatus } from '@ew/db';

export interface MaskedPerson {
  idMasked: string | null;
  nameMasked: string;
  birthDate: string | null;
  gender: Gender | null;
  town: string | null;
}

/** What tells candidates apart (人工核对): where they live and who they are in the household. */
export interface ReviewCandidateView extends ReviewCandidate, MaskedPerson {
  householdNo: string | null;
  village: string | null;
  address: string | null;
  /** Relation to the household head (户主, 配偶, 子女 …). */
  relation: Relation | null;
  /** False when the person has left the register since the review was made. */
  active: boolean;
}

export interface ReviewListItem {
  reviewId: number;
  importId: number;
  rowNo: number;
  feed: string;
  period: string;
  kind: 'REVIEW' | 'CONFLICT';
  status: ReviewStatus;
  createdAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  chosenPersonId: number | null;
  /** The staged row, masked; idStatus says why a row had no usable ID. */
  row: MaskedPerson & { idStatus: string };
  candidates: ReviewCandidateView[];
}

export interface ListReviewsOptions {
  importId?: number;
  feed?: string;
  status?: ReviewStatus;
  limit: number;
  /** Reviews with an id greater than this (paging). */
  afterId?: number;
}

export async function listReviews(db: Kysely<DB>, options: ListReviewsOptions): Promise<ReviewListItem[]> {
  let query = db
    .selectFrom('match_reviews as r')
    .innerJoin('staged_rows as s', (j) =>
      j.onRef('s.import_id', '=', 'r.import_id').onRef('s.row_no', '=', 'r.row_no'),
    )
    .innerJoin('imports as i', 'i.id', 'r.import_id')
    .select([
      'r.id',
      'r.import_id',
      'r.row_no',
      'r.kind',
      'r.status',
      'r.candidates',
      'r.chosen_person_id',
      'r.decided_by',
      'r.decided_at',
      'r.created_at',
      'i.feed',
      'i.period',
      's.id_number',
      's.id_status',
      's.name',
      's.birth_date',
      's.gender',
      's.town',
      // the normalised text of an unusable ID, where staging kept it (never shown unmasked)
      sql<string | null>`s.payload->>'id_raw_norm'`.as('id_raw'),
    ])
    .orderBy('r.id')
    .limit(options.limit);
  if (options.importId !== undefined) query = query.where('r.import_id', '=', options.importId);
  if (options.feed !== undefined) query = query.where('i.feed', '=', options.feed);
  if (options.status !== undefined) query = query.where('r.status', '=', options.status);
  if (options.afterId !== undefined) query = query.where('r.id', '>', options.afterId);
  const reviews = await query.execute();

  const personIds = [...new Set(reviews.flatMap((r) => r.candidates.map((c) => c.personId)))];
  const persons =
    personIds.length === 0
      ? []
      : await db
          .selectFrom('persons as p')
          .innerJoin('households as h', 'h.id', 'p.household_id')
          .innerJoin('towns as t', 't.id', 'h.town_id')
          .select([
            'p.id',
            'p.id_number',
            'p.name',
            'p.birth_date',
            'p.gender',
            'p.active',
            'p.relation',
            'h.household_no',
            'h.village',
            'h.address',
            't.name as town',
          ])
          .where('p.id', 'in', personIds)
          .execute();
  const byId = new Map(persons.map((p) => [p.id, p]));

  return reviews.map((r) => ({
    reviewId: r.id,
    importId: r.import_id,
    rowNo: r.row_no,
    feed: r.feed,
    period: r.period,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ?? null,
    chosenPersonId: r.chosen_person_id,
    row: {
      idMasked: maskOrNull(r.id_number ?? r.id_raw),
      idStatus: r.id_status,
      nameMasked: maskName(r.name ?? ''),
      birthDate: r.birth_date,
      gender: r.gender,
      town: r.town,
    },
    candidates: r.candidates.map((c) => {
      const p = byId.get(c.personId);
      return {
        personId: c.personId,
        score: c.score,
        kind: c.kind as ReviewCandidate['kind'],
        idMasked: p ? maskIdNumber(p.id_number) : null,
        nameMasked: p ? maskName(p.name) : '',
        birthDate: p?.birth_date ?? null,
        gender: p?.gender ?? null,
        town: p?.town ?? null,
        householdNo: p?.household_no ?? null,
        village: p?.village ?? null,
        address: p?.address ?? null,
        relation: p?.relation ?? null,
        active: p?.active ?? false,
      };
    }),
  }));
}

function maskOrNull(id: string | null): string | null {
  return id === null || id === '' ? null : maskIdNumber(id);
}

/**
 * Stable error codes of a review decision:
 * - `REVIEW_NOT_FOUND`  no review with that id
 * - `ALREADY_DECIDED`   decided before, differently (the same decision again is a no-op)
 * - `NOT_A_CANDIDATE`   the chosen person is not among the review's candidates
 * - `PERSON_INACTIVE`   the chosen person has left the register since
 */
export type ReviewErrorCode = 'REVIEW_NOT_FOUND' | 'ALREADY_DECIDED' | 'NOT_A_CANDIDATE' | 'PERSON_INACTIVE';

export class ReviewDecisionError extends Error {
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReviewDecisionError';
  }
}

export type ReviewChoice = { personId: number } | 'reject';

export interface DecideReviewInput {
  reviewId: number;
  /** Who decides (a username): recorded on the review and in the audit log. */
  actor: string;
  /** The deciding user's id when a signed-in user decided (the audit log's actor_user_id). */
  actorUserId?: number | null;
  choice: ReviewChoice;
}

export interface DecideReviewResult {
  status: 'ACCEPTED' | 'REJECTED';
  /** False when the same decision had been recorded before (nothing was written). */
  changed: boolean;
  /** The row this decision matched, to be evaluated by the rules; null otherwise. */
  newlyMatched: { importId: number; rowNo: number } | null;
}

/**
 * Records a decision with who and when. Accept: the row's match becomes MANUAL to the chosen
 * person (score 1, evidence { reviewId, previousMethod }). Reject: no candidate is the person;
 * the match stays REVIEW / CONFLICT (never evaluated) with evidence.reviewRejected. Either way an
 * audit_log row is written. One transaction; the review row is locked first.
 */
export async function decideReview(db: Kysely<DB>, input: DecideReviewInput): Promise<DecideReviewResult> {
  const { reviewId, actor, choice } = input;
  const status = choice === 'reject' ? 'REJECTED' : 'ACCEPTED';
  const chosen = choice === 'reject' ? null : choice.personId;
  return db.transaction().execute(async (trx) => {
    const review = await trx
      .selectFrom('match_reviews')
      .select(['id', 'import_id', 'row_no', 'status', 'chosen_person_id', 'candidates'])
      .where('id', '=', reviewId)
      .forUpdate()
      .executeTakeFirst();
    if (review === undefined) throw new ReviewDecisionError('REVIEW_NOT_FOUND', `no review ${reviewId}`);
    if (review.status !== 'OPEN') {
      if (review.status === status && review.chosen_person_id === chosen)
        return { status, changed: false, newlyMatched: null };
      throw new ReviewDecisionError(
        'ALREADY_DECIDED',
        `review ${reviewId} was already decided (${review.status}${review.chosen_person_id === null ? '' : ` person ${review.chosen_person_id}`})`,
      );
    }
    if (chosen !== null) {
      if (!review.candidates.some((c) => c.personId === chosen)) {
        throw new ReviewDecisionError(
          'NOT_A_CANDIDATE',
          `person ${chosen} is not a candidate of review ${reviewId}`,
        );
      }
      const person = await trx
        .selectFrom('persons')
        .select('active')
        .where('id', '=', chosen)
        .executeTakeFirst();
      if (person?.active !== true)
        throw new ReviewDecisionError('PERSON_INACTIVE', `person ${chosen} has left the register`);
    }

    await trx
      .updateTable('match_reviews')
      .set({ status, chosen_person_id: chosen, decided_by: actor, decided_at: sql<Date>`now()` })
      .where('id', '=', reviewId)
      .execute();
    const where = { importId: review.import_id, rowNo: review.row_no };
    if (chosen !== null) {
      await trx
        .updateTable('matches')
        .set({
          method: 'MANUAL',
          person_id: chosen,
          score: 1,
          evidence: sql`jsonb_build_object('reviewId', ${reviewId}::bigint, 'previousMethod', method)`,
          matched_at: sql<Date>`now()`,
        })
        .where('import_id', '=', where.importId)
        .where('row_no', '=', where.rowNo)
        .execute();
    } else {
      await trx
        .updateTable('matches')
        .set({ evidence: sql`evidence || jsonb_build_object('reviewRejected', ${reviewId}::bigint)` })
        .where('import_id', '=', where.importId)
        .where('row_no', '=', where.rowNo)
        .execute();
    }
    await audit(trx, {
      actor,
      actorUserId: input.actorUserId ?? null,
      action: chosen !== null ? 'review.accept' : 'review.reject',
      subjectType: 'match_review',
      subjectId: reviewId,
      detail: { ...where, personId: chosen },
    });
    return { status, changed: true, newlyMatched: chosen !== null ? where : null };
  });
}
