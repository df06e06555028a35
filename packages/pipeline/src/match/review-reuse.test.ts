// A decided review carries over to the same source row delivered in a later period (issue 14 G).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { matchChunk } from './match-chunk.ts';
import { FIRST_SNAPSHOT, P } from './register.fixture.ts';
import { decideReview } from './review.ts';
import { REUSE_ACTOR } from './review-reuse.ts';
import {
  createImport,
  dropTestDatabase,
  loadRegister,
  matchesOf,
  matchTestContext,
  personIdOf,
  planMatch,
  type StagedInput,
  validId,
} from './match.fixture.ts';

let tdb: TestDatabase;
let ctx: AppContext;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ctx = await matchTestContext(tdb);
  await loadRegister(ctx, FIRST_SNAPSHOT);
});

afterAll(async () => {
  await dropTestDatabase(tdb);
});

const CONFLICT: Omit<StagedInput, 'rowNo'> = {
  id: P.LI,
  name: '王建军',
  birthDate: '1972-05-06',
  gender: 'F',
};
const NAMESAKE: Omit<StagedInput, 'rowNo'> = {
  idStatus: 'EMPTY',
  name: '刘洋',
  birthDate: '1990-02-02',
  gender: 'M',
  birthFromRow: true,
};
const BORDERLINE: Omit<StagedInput, 'rowNo'> = {
  idStatus: 'EMPTY',
  name: '孙丽',
  birthDate: '1985-08-08',
  gender: 'F',
  birthFromRow: true,
};

async function deliver(period: string, rows: StagedInput[], feed = 'medical'): Promise<number> {
  const importId = await createImport(ctx, { feed, period, rows });
  const nos = rows.map((r) => r.rowNo);
  const [from, to] = [Math.min(...nos), Math.max(...nos) + 1];
  await planMatch(ctx, importId, [[from, to]]);
  await matchChunk(ctx, { importId, chunk: 0, rowFrom: from, rowTo: to });
  return importId;
}

async function reviewsOf(importId: number) {
  const rows = await ctx.database.db
    .selectFrom('match_reviews')
    .select(['id', 'row_no', 'status', 'chosen_person_id', 'decided_by', 'reused_from_review_id'])
    .where('import_id', '=', importId)
    .orderBy('row_no')
    .execute();
  return new Map(rows.map((r) => [r.row_no, r]));
}

describe('a decided review reused in a later period', () => {
  it('applies the earlier accept / reject to the same person data; changed data opens a new review', async () => {
    const first = await deliver('2024-06-30', [
      { rowNo: 2, ...CONFLICT },
      { rowNo: 3, ...NAMESAKE },
      { rowNo: 4, ...BORDERLINE },
    ]);
    const before = await reviewsOf(first);
    expect([...before.values()].map((r) => r.status)).toEqual(['OPEN', 'OPEN', 'OPEN']);
    const liu2 = await personIdOf(ctx, P.LIU2);
    await decideReview(ctx.database.db, { reviewId: before.get(2)!.id, actor: 'data1', choice: 'reject' });
    await decideReview(ctx.database.db, {
      reviewId: before.get(3)!.id,
      actor: 'data1',
      choice: { personId: liu2 },
    });

    // next month: the same people in other row numbers, one undecided before, one with a new name
    const second = await deliver('2024-07-31', [
      { rowNo: 10, ...CONFLICT },
      { rowNo: 11, ...NAMESAKE },
      { rowNo: 12, ...BORDERLINE },
      { rowNo: 13, ...CONFLICT, name: '赵建军' },
    ]);
    const after = await reviewsOf(second);
    expect(after.get(10)).toMatchObject({
      status: 'REJECTED',
      chosen_person_id: null,
      decided_by: REUSE_ACTOR,
      reused_from_review_id: before.get(2)!.id,
    });
    expect(after.get(11)).toMatchObject({
      status: 'ACCEPTED',
      chosen_person_id: liu2,
      decided_by: REUSE_ACTOR,
      reused_from_review_id: before.get(3)!.id,
    });
    expect(after.get(12)).toMatchObject({ status: 'OPEN', reused_from_review_id: null });
    expect(after.get(13)).toMatchObject({ status: 'OPEN', reused_from_review_id: null });

    const matches = await matchesOf(ctx, second);
    expect(matches.get(11)).toMatchObject({
      method: 'MANUAL',
      person_id: liu2,
      score: 1,
      evidence: {
        reviewId: after.get(11)!.id,
        previousMethod: 'REVIEW',
        reusedFromReviewId: before.get(3)!.id,
      },
    });
    expect(matches.get(10)).toMatchObject({
      method: 'CONFLICT',
      person_id: null,
      evidence: { reviewRejected: after.get(10)!.id, reusedFromReviewId: before.get(2)!.id },
    });
    expect(matches.get(12)?.method).toBe('REVIEW');

    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'subject_id', 'detail'])
      .where('action', '=', 'review.reuse')
      .orderBy('subject_id')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit.map((a) => a.subject_id).sort()).toEqual(
      [String(after.get(10)!.id), String(after.get(11)!.id)].sort(),
    );
    expect(audit.every((a) => a.actor === REUSE_ACTOR)).toBe(true);

    // a third month chains on the reused decisions (the latest decision of that identity)
    const third = await deliver('2024-08-31', [
      { rowNo: 2, ...CONFLICT },
      { rowNo: 3, ...NAMESAKE },
    ]);
    const chained = await reviewsOf(third);
    expect(chained.get(2)).toMatchObject({ status: 'REJECTED', reused_from_review_id: after.get(10)!.id });
    expect(chained.get(3)).toMatchObject({ status: 'ACCEPTED', reused_from_review_id: after.get(11)!.id });
  });

  it('does not reuse across feeds', async () => {
    const other = await createImport(ctx, {
      feed: 'hr',
      period: '2024-07-31',
      rows: [{ rowNo: 2, ...NAMESAKE }],
    });
    await planMatch(ctx, other, [[2, 3]]);
    await matchChunk(ctx, { importId: other, chunk: 0, rowFrom: 2, rowTo: 3 });
    expect((await reviewsOf(other)).get(2)).toMatchObject({ status: 'OPEN', reused_from_review_id: null });
  });

  // last: it loads another register snapshot
  it('opens the review again when the register no longer supports the earlier decision', async () => {
    const rejectedBefore = await deliver('2024-06-30', [{ rowNo: 2, ...NAMESAKE }], 'education');
    const acceptedBefore = await deliver('2024-06-30', [{ rowNo: 2, ...NAMESAKE }], 'rural');
    const liu2 = await personIdOf(ctx, P.LIU2);
    await decideReview(ctx.database.db, {
      reviewId: (await reviewsOf(rejectedBefore)).get(2)!.id,
      actor: 'data1',
      choice: 'reject',
    });
    await decideReview(ctx.database.db, {
      reviewId: (await reviewsOf(acceptedBefore)).get(2)!.id,
      actor: 'data1',
      choice: { personId: liu2 },
    });
    // LIU2 (the accepted person) leaves; a third 刘洋 of the same birth date moves in
    await loadRegister(ctx, [
      ...FIRST_SNAPSHOT.filter((p) => p.id !== P.LIU2),
      {
        household: 'H10',
        town: '西河镇',
        id: validId('1990-02-02', 75),
        name: '刘洋',
        gender: 'M',
        birth: '1990-02-02',
      },
    ]);
    const rejectedNow = await deliver('2024-07-31', [{ rowNo: 2, ...NAMESAKE }], 'education');
    const acceptedNow = await deliver('2024-07-31', [{ rowNo: 2, ...NAMESAKE }], 'rural');
    // a new candidate was never rejected; the accepted person is no candidate any more
    expect((await reviewsOf(rejectedNow)).get(2)).toMatchObject({
      status: 'OPEN',
      reused_from_review_id: null,
    });
    expect((await reviewsOf(acceptedNow)).get(2)).toMatchObject({
      status: 'OPEN',
      reused_from_review_id: null,
    });
  });
});
