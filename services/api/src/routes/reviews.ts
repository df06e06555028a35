// The review list of ambiguous matches (domain §3): read by DATA_ADMIN and SUPERVISOR (masked, with
// the context that tells candidates apart: birth date, village, household, relation), decided by
// DATA_ADMIN. A decision that matches a row sends it on to rule evaluation at once
// (`evaluateMatchedRow`: its signals become alerts and tasks in the same call). `decideReview`
// writes the audit row.
//   GET  /reviews/counts       open reviews per feed and per import
//   POST /reviews/:id/reveal   the full ID numbers and names of the row and its candidates, with a
//                              reason (audited review.reveal). DATA_ADMIN only: the role that
//                              decides; ADMIN (users, audit) and SUPERVISOR do not need them.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { revealReason } from '@ew/accounts';
import { decideReview, listReviews } from '@ew/pipeline/match/review';
import { openReviewCounts } from '@ew/pipeline/match/review-counts';
import { revealReview } from '@ew/pipeline/match/review-reveal';
import { evaluateMatchedRow } from '@ew/pipeline/rules/evaluate-chunk';
import { operatorOf, requireRole } from '../auth.ts';
import { parseInput } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';
import { dbId, idParams } from './params.ts';

const listQuery = z.strictObject({
  importId: dbId.optional(),
  feed: z.string().min(1).max(40).optional(),
  status: z.enum(['OPEN', 'ACCEPTED', 'REJECTED', 'SUPERSEDED']).default('OPEN'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  afterId: dbId.optional(),
});

const revealBody = z.strictObject({
  /** Why the full values are needed (e.g. 区分同名同生日人员). */
  reason: revealReason,
});

const decisionBody = z.union([
  z.strictObject({ personId: z.number().int().positive() }),
  z.strictObject({ reject: z.literal(true) }),
]);

export function reviewRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, ctx } = deps;

  const reviewRow = async (reviewId: number) => {
    const r = await db
      .selectFrom('match_reviews')
      .select(['import_id', 'row_no'])
      .where('id', '=', reviewId)
      .executeTakeFirstOrThrow();
    return { importId: r.import_id, rowNo: r.row_no };
  };

  app.get(
    '/reviews',
    {
      onRequest: requireRole(db, 'DATA_ADMIN', 'SUPERVISOR'),
      schema: routeSchema({
        summary: 'Ambiguous matches to review (masked)',
        tags: ['reviews'],
        querystring: listQuery,
      }),
    },
    async (request) => {
      const q = parseInput(listQuery, request.query, 'query');
      const reviews = await listReviews(db, {
        status: q.status,
        limit: q.limit,
        ...(q.importId === undefined ? {} : { importId: q.importId }),
        ...(q.feed === undefined ? {} : { feed: q.feed }),
        ...(q.afterId === undefined ? {} : { afterId: q.afterId }),
      });
      return { reviews };
    },
  );

  app.get(
    '/reviews/counts',
    {
      onRequest: requireRole(db, 'DATA_ADMIN', 'SUPERVISOR'),
      schema: routeSchema({ summary: 'Open reviews per feed and per import', tags: ['reviews'] }),
    },
    async () => openReviewCounts(db),
  );

  app.post(
    '/reviews/:id/reveal',
    {
      onRequest: requireRole(db, 'DATA_ADMIN'),
      schema: routeSchema({
        summary: "A review's full ID numbers and names, with a reason (audited)",
        tags: ['reviews'],
        params: idParams,
        body: revealBody,
      }),
    },
    async (request) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const { reason } = parseInput(revealBody, request.body ?? {}, 'body');
      return revealReview(db, operatorOf(request), id, reason);
    },
  );

  app.post(
    '/reviews/:id/decision',
    {
      onRequest: requireRole(db, 'DATA_ADMIN'),
      schema: routeSchema({
        summary: 'Decide a review: the chosen person, or reject',
        tags: ['reviews'],
        params: idParams,
        body: decisionBody,
      }),
    },
    async (request) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const body = parseInput(decisionBody, request.body ?? {}, 'body');
      const decision = await decideReview(db, {
        reviewId: id,
        ...operatorOf(request),
        choice: 'reject' in body ? 'reject' : { personId: body.personId },
      });
      // An accept sends its row on to the rules. Evaluation is idempotent, so the same accept sent
      // again (a retry after a failure here: the decision itself was committed) evaluates again.
      const row = decision.status === 'ACCEPTED' ? (decision.newlyMatched ?? (await reviewRow(id))) : null;
      const evaluation = row === null ? null : await evaluateMatchedRow(ctx, row);
      // evaluation raises alerts in-process; anything it recorded in the outbox goes now
      if (evaluation !== null) await deps.producer.relay();
      return { reviewId: id, ...decision, evaluation };
    },
  );
}
