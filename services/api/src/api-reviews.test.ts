// The review list for the data administrator (issue 14 G, issue 12): open counts per feed and
// import, the context that tells candidates apart, and the audited reveal of full values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDelivery, addHousehold } from '@ew/pipeline/rules/rules.fixture';
import { bearer, startApiTest, TOWN_A, type ApiTest, type Who } from './api.fixture.ts';

let api: ApiTest;
let reviewIds: number[];
let importIds: number[];
let candidates: Array<{ id: number; id_number: string; name: string }>;

beforeAll(async () => {
  api = await startApiTest();
  const db = api.t.ctx.database.db;
  const h = await addHousehold(db, { town: TOWN_A, members: ['1980-01-01', '2009-05-05'] });
  await db.updateTable('households').set({ village: '东风村', address: '东风村 3 组 12 号' }).execute();
  candidates = await db
    .selectFrom('persons')
    .select(['id', 'id_number', 'name'])
    .where('id', 'in', h.personIds)
    .orderBy('id')
    .execute();
  const row = { personId: null, method: 'REVIEW' as const, score: null, payload: {} };
  const hr = await addDelivery(db, { feed: 'hr', period: '2023-03-31', rows: [row, row] });
  const medical = await addDelivery(db, { feed: 'medical', period: '2023-03-31', rows: [row] });
  importIds = [hr.importId, medical.importId];
  await db
    .updateTable('staged_rows')
    .set({ id_number: null, id_status: 'BAD_CHECK_DIGIT', name: '张三丰', birth_date: '1980-01-01' })
    .execute();
  const reviews = await db
    .insertInto('match_reviews')
    .values(
      [
        [hr.importId, 2],
        [hr.importId, 3],
        [medical.importId, 2],
      ].map(([importId, rowNo]) => ({
        import_id: importId!,
        row_no: rowNo!,
        kind: 'REVIEW' as const,
        candidates: JSON.stringify(candidates.map((c) => ({ personId: c.id, score: 0.8, kind: 'ONE_CHAR' }))),
        chosen_person_id: null,
        decided_by: null,
        decided_at: null,
      })),
    )
    .returning('id')
    .execute();
  reviewIds = reviews.map((r) => r.id);
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string, who: Who) =>
  api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
const post = (url: string, who: Who, payload: object) =>
  api.app.inject({ method: 'POST', url, headers: bearer(api.tokens[who]), payload });

describe('GET /reviews/counts', () => {
  it('counts open reviews per feed and per import; a caseworker is refused', async () => {
    const res = await get('/reviews/counts', 'supervisor');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      total: 3,
      byFeed: [
        { feed: 'hr', open: 2 },
        { feed: 'medical', open: 1 },
      ],
      byImport: [
        expect.objectContaining({ importId: importIds[1], feed: 'medical', period: '2023-03-31', open: 1 }),
        expect.objectContaining({ importId: importIds[0], feed: 'hr', period: '2023-03-31', open: 2 }),
      ],
    });
    expect((await get('/reviews/counts', 'cwA')).statusCode).toBe(403);

    // a decided review no longer counts
    const decided = await post(`/reviews/${reviewIds[1]}/decision`, 'admin', { reject: true });
    expect(decided.statusCode).toBe(200);
    const after = (await get('/reviews/counts', 'admin')).json<{ byFeed: unknown }>();
    expect(after.byFeed).toEqual([
      { feed: 'hr', open: 1 },
      { feed: 'medical', open: 1 },
    ]);
  });
});

describe('GET /reviews context', () => {
  it('carries birth date, village, household, address and relation, masked names and IDs; filters by feed', async () => {
    const res = await get('/reviews?feed=medical', 'admin');
    expect(res.statusCode).toBe(200);
    const [review] = res.json<{ reviews: Array<{ reviewId: number; candidates: unknown[] }> }>().reviews;
    expect(review!.reviewId).toBe(reviewIds[2]);
    expect(review!.candidates).toEqual([
      expect.objectContaining({
        nameMasked: '张*',
        birthDate: '1980-01-01',
        village: '东风村',
        address: '东风村 3 组 12 号',
        relation: 'HEAD',
        householdNo: expect.any(String),
      }),
      expect.objectContaining({ birthDate: '2009-05-05', relation: 'CHILD' }),
    ]);
    expect(res.body).not.toMatch(/\d{17}[\dX]/);
    expect(res.body).not.toContain('张三丰');
  });
});

describe('POST /reviews/:id/reveal', () => {
  it('refuses caseworker, supervisor and ADMIN, and a missing reason, auditing nothing', async () => {
    for (const who of ['cwA', 'supervisor', 'sysadmin'] as const) {
      const res = await post(`/reviews/${reviewIds[0]}/reveal`, who, { reason: '核对同名人员' });
      expect(res.statusCode, who).toBe(403);
      expect(res.body).not.toContain(candidates[0]!.id_number);
    }
    const noReason = await post(`/reviews/${reviewIds[0]}/reveal`, 'admin', {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await post('/reviews/999999/reveal', 'admin', { reason: '核对' })).statusCode).toBe(404);
    const audited = await api.t.ctx.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'review.reveal')
      .execute();
    expect(audited).toEqual([]);
  });

  it('shows DATA_ADMIN the full values with a reason and writes an audit row', async () => {
    const res = await post(`/reviews/${reviewIds[0]}/reveal`, 'admin', { reason: '  核对同名人员 ' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      reviewId: reviewIds[0],
      row: { idNumber: null, name: '张三丰' },
      candidates: candidates.map((c) => ({ personId: c.id, idNumber: c.id_number, name: c.name })),
    });
    const audited = await api.t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'actor_user_id', 'subject_type', 'subject_id', 'detail'])
      .where('action', '=', 'review.reveal')
      .execute();
    expect(audited).toEqual([
      {
        actor: 'admin1',
        actor_user_id: expect.any(Number),
        subject_type: 'match_review',
        subject_id: String(reviewIds[0]),
        detail: {
          importId: importIds[0],
          rowNo: 2,
          personIds: candidates.map((c) => c.id),
          reason: '核对同名人员',
        },
      },
    ]);
  });
});
