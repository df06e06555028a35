import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { matchChunk } from './match-chunk.ts';
import { matchRows } from './match-rows.ts';
import { FIRST_SNAPSHOT, P } from './register.fixture.ts';
import { rowRange } from './row-filter.ts';
import {
  badCheckDigit,
  createImport,
  dropTestDatabase,
  loadRegister,
  matchesOf,
  matchTestContext,
  personIdOf,
  planMatch,
  type StagedInput,
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

/** One row per outcome (row numbers are spreadsheet lines: the header is line 1). */
const ROWS: StagedInput[] = [
  { rowNo: 2, id: P.ZHANG, name: '张三' }, // ID, exact
  { rowNo: 3, id: P.ZHAO, name: '赵丽' }, // ID, the register has the traditional 趙麗
  { rowNo: 4, id: P.OUYANG, name: '欧阳 明华' }, // ID, spacing
  { rowNo: 5, id: P.WANG, name: '王莉' }, // ID, homophone of 王丽
  { rowNo: 6, id: P.CHEN, name: '陈建图' }, // ID, one character off 陈建国
  { rowNo: 7, id: P.LI, name: '王建军', birthDate: '1972-05-06', gender: 'F' }, // CONFLICT
  { rowNo: 8, id: P.OUTSIDE, name: '任意' }, // OUTSIDE
  { rowNo: 9, idStatus: 'EMPTY', name: '周杰', birthDate: '1988-09-09', birthFromRow: true }, // FALLBACK, own birth column
  { rowNo: 10, idStatus: 'BAD_CHECK_DIGIT', name: '吴芳', birthDate: '1992-12-12', gender: 'F' }, // FALLBACK, ID's date part
  { rowNo: 11, idStatus: 'EMPTY', name: '孙月', birthDate: '1985-08-08', gender: 'F', birthFromRow: true }, // FALLBACK, homophone 0.9
  { rowNo: 12, idStatus: 'EMPTY', name: '孙丽', birthDate: '1985-08-08', gender: 'F', birthFromRow: true }, // REVIEW, borderline 0.8
  { rowNo: 13, idStatus: 'EMPTY', name: '刘洋', birthDate: '1990-02-02', gender: 'M', birthFromRow: true }, // REVIEW, namesakes
  {
    rowNo: 14,
    idStatus: 'EMPTY',
    name: '刘洋',
    birthDate: '1990-02-02',
    gender: 'M',
    town: '城关镇',
    birthFromRow: true,
  }, // still namesakes
  {
    rowNo: 15,
    idStatus: 'EMPTY',
    name: '郑和',
    birthDate: '1960-03-03',
    gender: 'M',
    town: '西河镇',
    birthFromRow: true,
  }, // FALLBACK, town narrows
  { rowNo: 16, idStatus: 'EMPTY', name: '郑和', birthDate: '1960-03-03', gender: 'M', birthFromRow: true }, // REVIEW, 郑和 + 郑河
  { rowNo: 17, idStatus: 'SCIENTIFIC_NOTATION', name: '张三' }, // REVIEW, name only
  { rowNo: 18, idStatus: 'SCIENTIFIC_NOTATION', name: '马云飞' }, // UNMATCHED, name only
  { rowNo: 19, idStatus: 'EMPTY', name: '冯小刚', birthDate: '2001-01-01', birthFromRow: true }, // UNMATCHED
  { rowNo: 20, id: P.ZHANG, name: '张三', duplicateOf: 2 }, // duplicate: not matched
  { rowNo: 21, id: P.ZHANG, name: null }, // ID, no name on the row
  { rowNo: 22, idStatus: 'EMPTY', name: '周杰', birthDate: '1988-09-09', town: '西河镇', birthFromRow: true }, // REVIEW, other town
  { rowNo: 23, idStatus: 'EMPTY', name: null, birthDate: '1988-09-09', birthFromRow: true }, // UNMATCHED, no name
  { rowNo: 24, idStatus: 'BAD_CHECK_DIGIT', name: '吴芳', birthDate: '1992-12-12', gender: 'M' }, // UNMATCHED: gender differs
];
const CHUNKS: Array<[number, number]> = [
  [2, 12],
  [12, 25],
];

let periodDay = 0;
async function stagedImport(rows: readonly StagedInput[] = ROWS, ranges = CHUNKS): Promise<number> {
  const period = `2024-06-${String(++periodDay).padStart(2, '0')}`;
  const importId = await createImport(ctx, { feed: 'medical', period, rows });
  await planMatch(ctx, importId, ranges);
  return importId;
}

async function runAll(importId: number, ranges = CHUNKS): Promise<void> {
  for (const [chunk, [rowFrom, rowTo]] of ranges.entries())
    await matchChunk(ctx, { importId, chunk, rowFrom, rowTo });
}

async function snapshotOf(importId: number) {
  const db = ctx.database.db;
  return {
    matches: await db
      .selectFrom('matches')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('row_no')
      .execute(),
    reviews: await db
      .selectFrom('match_reviews')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('row_no')
      .execute(),
    outbox: await db.selectFrom('outbox').select(['job_id', 'payload']).orderBy('job_id').execute(),
    chunks: await db
      .selectFrom('import_chunks')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('stage')
      .orderBy('chunk')
      .execute(),
  };
}

describe('matchChunk', () => {
  it('decides every outcome of domain §3', async () => {
    const importId = await stagedImport();
    await runAll(importId);
    const m = await matchesOf(ctx, importId);
    const pid = (id: string) => personIdOf(ctx, id);

    // matched by ID: exact, traditional, spacing, homophone, one character, no name on the row
    expect(m.get(2)).toMatchObject({
      method: 'ID',
      id_number: P.ZHANG,
      score: 1,
      evidence: { name: 'EXACT' },
    });
    expect(m.get(3)).toMatchObject({ method: 'ID', id_number: P.ZHAO, evidence: { name: 'EXACT' } });
    expect(m.get(4)).toMatchObject({ method: 'ID', id_number: P.OUYANG, evidence: { name: 'EXACT' } });
    expect(m.get(5)).toMatchObject({
      method: 'ID',
      id_number: P.WANG,
      evidence: { name: 'HOMOPHONE', nameScore: 0.9 },
    });
    expect(m.get(6)).toMatchObject({
      method: 'ID',
      id_number: P.CHEN,
      evidence: { name: 'ONE_CHAR', nameScore: 0.8 },
    });
    expect(m.get(21)).toMatchObject({ method: 'ID', id_number: P.ZHANG, evidence: { name: 'MISSING' } });

    // identity conflict: never auto-matched, reviewed with the ID's holder
    expect(m.get(7)).toMatchObject({
      method: 'CONFLICT',
      person_id: null,
      evidence: { name: 'DIFFERENT', idPersonId: await pid(P.LI) },
    });
    // outside the register
    expect(m.get(8)).toMatchObject({
      method: 'OUTSIDE',
      person_id: null,
      evidence: { reason: 'NOT_IN_REGISTER' },
    });

    // fallback on name + birth date: own column, the ID's date part, a homophone, a town narrowing
    expect(m.get(9)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.ZHOU,
      score: 1,
      evidence: { birthDate: 'row', gender: false, name: 'EXACT' },
    });
    expect(m.get(10)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.WU,
      score: 1,
      evidence: { birthDate: 'id', gender: true, idStatus: 'BAD_CHECK_DIGIT' },
    });
    expect(m.get(11)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.SUN,
      score: 0.9,
      evidence: { name: 'HOMOPHONE' },
    });
    expect(m.get(15)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.ZHENG_H,
      evidence: { town: true, aboveReview: 2 },
    });

    // review: borderline score, namesakes (also when a town is given), several candidates, other town
    expect(m.get(12)).toMatchObject({
      method: 'REVIEW',
      person_id: null,
      score: 0.8,
      evidence: { reason: 'BORDERLINE' },
    });
    expect(m.get(13)).toMatchObject({ method: 'REVIEW', evidence: { reason: 'NAMESAKES' } });
    expect(m.get(14)).toMatchObject({ method: 'REVIEW', evidence: { reason: 'NAMESAKES', town: true } });
    expect(m.get(16)).toMatchObject({ method: 'REVIEW', evidence: { reason: 'SEVERAL_CANDIDATES' } });
    expect(m.get(22)).toMatchObject({ method: 'REVIEW', evidence: { reason: 'OTHER_TOWN' } });
    // a name alone never auto-matches
    expect(m.get(17)).toMatchObject({ method: 'REVIEW', evidence: { reason: 'NAME_ONLY', birthDate: null } });
    expect(m.get(18)).toMatchObject({ method: 'UNMATCHED', evidence: { reason: 'NAME_NOT_IN_REGISTER' } });
    // unmatched
    expect(m.get(19)).toMatchObject({ method: 'UNMATCHED', evidence: { reason: 'NO_CANDIDATE' } });
    expect(m.get(23)).toMatchObject({ method: 'UNMATCHED', evidence: { reason: 'NO_NAME' } });
    expect(m.get(24)).toMatchObject({
      method: 'UNMATCHED',
      evidence: { reason: 'NO_CANDIDATE', gender: true },
    });
    // duplicates are not matched
    expect(m.has(20)).toBe(false);
    expect(m.size).toBe(ROWS.length - 1);

    const reviews = await ctx.database.db
      .selectFrom('match_reviews')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('row_no')
      .execute();
    const byRow = new Map(reviews.map((r) => [r.row_no, r]));
    expect([...byRow.keys()]).toEqual([7, 12, 13, 14, 16, 17, 22]);
    expect(byRow.get(7)).toMatchObject({
      kind: 'CONFLICT',
      status: 'OPEN',
      candidates: [{ personId: await pid(P.LI), kind: 'ID', score: 0 }],
    });
    expect(byRow.get(12)!.candidates).toEqual([{ personId: await pid(P.SUN), score: 0.8, kind: 'ONE_CHAR' }]);
    expect(
      byRow
        .get(13)!
        .candidates.map((c) => c.personId)
        .sort(),
    ).toEqual([await pid(P.LIU1), await pid(P.LIU2)].sort());
    expect(byRow.get(16)!.candidates).toEqual([
      { personId: await pid(P.ZHENG_H), score: 1, kind: 'EXACT' },
      { personId: await pid(P.ZHENG_C), score: 0.9, kind: 'HOMOPHONE' },
    ]);
    expect(byRow.get(17)!.candidates).toEqual([
      { personId: await pid(P.ZHANG), score: 1, kind: 'NAME_ONLY' },
    ]);
  });

  it('stores no names and no full ID numbers in evidence or review candidates', async () => {
    const importId = await stagedImport();
    await runAll(importId);
    const { matches, reviews } = await snapshotOf(importId);
    const stored = JSON.stringify([matches.map((m) => m.evidence), reviews.map((r) => r.candidates)]);
    expect(stored).not.toMatch(/\d{17}[\dX]/);
    expect(stored).not.toMatch(/\p{Script=Han}/u);
  });

  it('moves the import to MATCHED with the last chunk and records an evaluate job per chunk', async () => {
    const importId = await stagedImport();
    const status = async () =>
      (
        await ctx.database.db
          .selectFrom('imports')
          .select('status')
          .where('id', '=', importId)
          .executeTakeFirstOrThrow()
      ).status;

    await matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 12 });
    expect(await status()).toBe('MATCHING');
    let jobs = await ctx.database.db
      .selectFrom('outbox')
      .select(['queue', 'job_id', 'payload'])
      .where('job_id', 'like', `evaluate-${importId}-%`)
      .orderBy('job_id')
      .execute();
    expect(jobs).toEqual([
      {
        queue: 'evaluate',
        job_id: `evaluate-${importId}-0`,
        payload: { importId, chunk: 0, rowFrom: 2, rowTo: 12 },
      },
    ]);
    // every evaluate chunk is planned before the first evaluate job runs
    const evaluatePlan = await ctx.database.db
      .selectFrom('import_chunks')
      .select(['chunk', 'row_from', 'row_to', 'done_at'])
      .where('import_id', '=', importId)
      .where('stage', '=', 'evaluate')
      .orderBy('chunk')
      .execute();
    expect(evaluatePlan).toEqual([
      { chunk: 0, row_from: 2, row_to: 12, done_at: null },
      { chunk: 1, row_from: 12, row_to: 25, done_at: null },
    ]);

    await matchChunk(ctx, { importId, chunk: 1, rowFrom: 12, rowTo: 25 });
    expect(await status()).toBe('MATCHED');
    jobs = await ctx.database.db
      .selectFrom('outbox')
      .select(['queue', 'job_id', 'payload'])
      .where('job_id', 'like', `evaluate-${importId}-%`)
      .orderBy('job_id')
      .execute();
    expect(jobs.map((j) => j.job_id)).toEqual([`evaluate-${importId}-0`, `evaluate-${importId}-1`]);
    expect(jobs[1]!.payload).toEqual({ importId, chunk: 1, rowFrom: 12, rowTo: 25 });
  });

  it('does nothing when a chunk is delivered again, and a rerun of the matcher writes nothing', async () => {
    const importId = await stagedImport();
    await runAll(importId);
    const before = await snapshotOf(importId);

    await runAll(importId); // redelivered jobs
    await Promise.all([
      matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 12 }),
      matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 12 }),
    ]);
    expect(await snapshotOf(importId)).toEqual(before);

    // even without the chunk guard, the matcher only fills rows that have no match yet
    const counts = await ctx.database.db
      .transaction()
      .execute((trx) => matchRows(trx, ctx, importId, rowRange(2, 25)));
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await snapshotOf(importId)).toEqual(before);
  });

  it('matches chunks concurrently: exactly one of them finishes the import', async () => {
    const rows: StagedInput[] = [];
    for (let r = 2; r < 42; r++)
      rows.push({ rowNo: r, id: r % 2 === 0 ? P.ZHANG : P.WANG, name: r % 2 === 0 ? '张三' : '王丽' });
    const ranges: Array<[number, number]> = [
      [2, 12],
      [12, 22],
      [22, 32],
      [32, 42],
    ];
    const importId = await stagedImport(rows, ranges);
    await Promise.all(
      ranges.map(([rowFrom, rowTo], chunk) => matchChunk(ctx, { importId, chunk, rowFrom, rowTo })),
    );
    const imp = await ctx.database.db
      .selectFrom('imports')
      .select('status')
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    expect(imp.status).toBe('MATCHED');
    expect((await matchesOf(ctx, importId)).size).toBe(40);
  });

  it('refuses a payload whose rows differ from the plan, and skips an import that was replaced', async () => {
    const importId = await stagedImport();
    await expect(matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo: 13 })).rejects.toThrow(
      /differ from the plan/,
    );
    await ctx.database.db
      .updateTable('imports')
      .set({ status: 'REPLACED' })
      .where('id', '=', importId)
      .execute();
    await runAll(importId);
    expect((await matchesOf(ctx, importId)).size).toBe(0);
  });

  it('reads a bad-check-digit row only through the fallback, never by its ID', async () => {
    // the staged contract: an ID with a bad check digit is not an id_number (null), only its date part is kept
    expect(badCheckDigit(P.WU)).not.toBe(P.WU);
    const importId = await stagedImport(
      [{ rowNo: 2, idStatus: 'BAD_CHECK_DIGIT', name: '吴 芳', birthDate: '1992-12-12', gender: 'F' }],
      [[2, 3]],
    );
    await runAll(importId, [[2, 3]]);
    expect((await matchesOf(ctx, importId)).get(2)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.WU,
      evidence: { birthDate: 'id' },
    });
  });
});
