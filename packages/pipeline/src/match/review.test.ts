import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { matchChunk } from './match-chunk.ts';
import { FIRST_SNAPSHOT, P } from './register.fixture.ts';
import { decideReview, listReviews, ReviewDecisionError } from './review.ts';
import {
  createImport,
  dropTestDatabase,
  loadRegister,
  matchesOf,
  matchTestContext,
  personIdOf,
  planMatch,
} from './match.fixture.ts';

let tdb: TestDatabase;
let ctx: AppContext;
let importId: number;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ctx = await matchTestContext(tdb);
  await loadRegister(ctx, FIRST_SNAPSHOT);
  importId = await createImport(ctx, {
    feed: 'medical',
    period: '2024-06-30',
    rows: [
      { rowNo: 2, id: P.LI, name: '王建军', birthDate: '1972-05-06', gender: 'F' }, // CONFLICT
      { rowNo: 3, idStatus: 'EMPTY', name: '刘洋', birthDate: '1990-02-02', gender: 'M', birthFromRow: true }, // namesakes
      { rowNo: 4, idStatus: 'EMPTY', name: '孙丽', birthDate: '1985-08-08', gender: 'F', birthFromRow: true }, // borderline
      { rowNo: 5, idStatus: 'SCIENTIFIC_NOTATION', name: '张三' }, // name only
    ],
  });
  await planMatch(ctx, importId, [[2, 6]]);
  await matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 6 });
});

afterAll(async () => {
  await dropTestDatabase(tdb);
});

async function reviewOf(rowNo: number): Promise<number> {
  const r = await ctx.database.db
    .selectFrom('match_reviews')
    .select('id')
    .where('import_id', '=', importId)
    .where('row_no', '=', rowNo)
    .executeTakeFirstOrThrow();
  return r.id;
}

describe('review list', () => {
  it('shows each review with its candidates side by side, masked', async () => {
    const list = await listReviews(ctx.database.db, { importId, limit: 10 });
    expect(list.map((r) => [r.rowNo, r.kind, r.status])).toEqual([
      [2, 'CONFLICT', 'OPEN'],
      [3, 'REVIEW', 'OPEN'],
      [4, 'REVIEW', 'OPEN'],
      [5, 'REVIEW', 'OPEN'],
    ]);
    const conflict = list[0]!;
    expect(conflict).toMatchObject({
      feed: 'medical',
      period: '2024-06-30',
      row: {
        idMasked: `${P.LI.slice(0, 6)}********${P.LI.slice(-4)}`,
        idStatus: 'VALID',
        nameMasked: '王**',
        birthDate: '1972-05-06',
        gender: 'F',
      },
      candidates: [
        {
          personId: await personIdOf(ctx, P.LI),
          kind: 'ID',
          idMasked: `${P.LI.slice(0, 6)}********${P.LI.slice(-4)}`,
          nameMasked: '李*',
          birthDate: '1972-05-06',
          gender: 'F',
          town: '城关镇',
          householdNo: 'H1',
          active: true,
        },
      ],
    });
    const namesakes = list[1]!;
    expect(
      namesakes.candidates.map((c) => [c.nameMasked, c.town, c.householdNo, c.score, c.kind]).sort(),
    ).toEqual([
      ['刘*', '城关镇', 'H4', 1, 'EXACT'],
      ['刘*', '西河镇', 'H5', 1, 'EXACT'],
    ]);
    // never a full ID number or a full name
    const text = JSON.stringify(list);
    for (const id of Object.values(P)) expect(text).not.toContain(id);
    for (const name of ['王建军', '李梅', '刘洋', '孙悦', '孙丽', '张三']) expect(text).not.toContain(name);
  });

  it('filters by status and pages', async () => {
    const first = await listReviews(ctx.database.db, { status: 'OPEN', limit: 2 });
    expect(first).toHaveLength(2);
    const next = await listReviews(ctx.database.db, {
      status: 'OPEN',
      limit: 10,
      afterId: first[1]!.reviewId,
    });
    expect(next.every((r) => r.reviewId > first[1]!.reviewId)).toBe(true);
  });
});

describe('review decisions', () => {
  it('accepts a candidate: MANUAL match, who and when, audit log, the row to evaluate', async () => {
    const reviewId = await reviewOf(3);
    const liu2 = await personIdOf(ctx, P.LIU2);
    const result = await decideReview(ctx.database.db, {
      reviewId,
      actor: 'admin1',
      choice: { personId: liu2 },
    });
    expect(result).toEqual({ status: 'ACCEPTED', changed: true, newlyMatched: { importId, rowNo: 3 } });

    const match = (await matchesOf(ctx, importId)).get(3);
    expect(match).toMatchObject({
      method: 'MANUAL',
      person_id: liu2,
      score: 1,
      evidence: { reviewId, previousMethod: 'REVIEW' },
    });
    const review = await ctx.database.db
      .selectFrom('match_reviews')
      .selectAll()
      .where('id', '=', reviewId)
      .executeTakeFirstOrThrow();
    expect(review).toMatchObject({ status: 'ACCEPTED', chosen_person_id: liu2, decided_by: 'admin1' });
    expect(review.decided_at).toBeInstanceOf(Date);
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('subject_id', '=', String(reviewId))
      .execute();
    expect(audit).toMatchObject([
      {
        actor: 'admin1',
        action: 'review.accept',
        subject_type: 'match_review',
        detail: { importId, rowNo: 3, personId: liu2 },
      },
    ]);

    // the same decision again is a no-op; a different one is refused
    expect(
      await decideReview(ctx.database.db, { reviewId, actor: 'admin2', choice: { personId: liu2 } }),
    ).toEqual({
      status: 'ACCEPTED',
      changed: false,
      newlyMatched: null,
    });
    await expect(
      decideReview(ctx.database.db, { reviewId, actor: 'admin2', choice: 'reject' }),
    ).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    expect(
      await ctx.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('subject_id', '=', String(reviewId))
        .execute(),
    ).toHaveLength(1);
  });

  it('rejects all candidates: the row stays unmatched and is never evaluated', async () => {
    const reviewId = await reviewOf(2);
    const result = await decideReview(ctx.database.db, { reviewId, actor: 'admin1', choice: 'reject' });
    expect(result).toEqual({ status: 'REJECTED', changed: true, newlyMatched: null });
    expect((await matchesOf(ctx, importId)).get(2)).toMatchObject({
      method: 'CONFLICT',
      person_id: null,
      evidence: { reviewRejected: reviewId },
    });
    expect(
      await decideReview(ctx.database.db, { reviewId, actor: 'admin1', choice: 'reject' }),
    ).toMatchObject({ changed: false });
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', String(reviewId))
      .execute();
    expect(audit).toEqual([{ action: 'review.reject' }]);
  });

  it('refuses a person who is not a candidate, and an unknown review', async () => {
    const reviewId = await reviewOf(4);
    const other = await personIdOf(ctx, P.ZHANG);
    const error = await decideReview(ctx.database.db, {
      reviewId,
      actor: 'admin1',
      choice: { personId: other },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReviewDecisionError);
    expect(error).toMatchObject({ code: 'NOT_A_CANDIDATE' });
    await expect(
      decideReview(ctx.database.db, { reviewId: 999_999, actor: 'a', choice: 'reject' }),
    ).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });
    const review = await ctx.database.db
      .selectFrom('match_reviews')
      .select('status')
      .where('id', '=', reviewId)
      .executeTakeFirstOrThrow();
    expect(review.status).toBe('OPEN');
  });
});
