import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { measureMatchQuality } from './quality.ts';
import { FIRST_SNAPSHOT, P } from './register.fixture.ts';
import {
  createImport,
  dropTestDatabase,
  loadRegister,
  matchTestContext,
  personIdOf,
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

describe('measureMatchQuality', () => {
  it('computes precision, recall, conflict recall and review rate against the truth', async () => {
    const importId = await createImport(ctx, {
      feed: 'hr',
      period: '2024-06-30',
      rows: [2, 3, 4, 5, 6, 7, 8, 9, 10].map((rowNo) => ({
        rowNo,
        name: 'x',
        duplicateOf: rowNo === 10 ? 2 : undefined,
      })),
    });
    const zhang = await personIdOf(ctx, P.ZHANG);
    const li = await personIdOf(ctx, P.LI);
    const wu = await personIdOf(ctx, P.WU);
    // what the matcher said (written directly: this tests the measure, not the matcher)
    const said: Array<[number, string, number | null]> = [
      [2, 'ID', zhang], // right
      [3, 'FALLBACK', wu], // right
      [4, 'FALLBACK', li], // wrong person
      [5, 'REVIEW', null], // expected fallback: missed
      [6, 'CONFLICT', null], // conflict found
      [7, 'ID', zhang], // expected conflict: missed (and a wrong automatic match)
      [8, 'OUTSIDE', null],
      [9, 'UNMATCHED', null],
    ];
    await ctx.database.db
      .insertInto('matches')
      .values(
        said.map(([row_no, method, person_id]) => ({
          import_id: importId,
          row_no,
          method: method as 'ID',
          person_id,
          score: null,
          evidence: '{}',
        })),
      )
      .execute();
    const truth = [
      { row: 2, expected: 'id', personId: P.ZHANG },
      { row: 3, expected: 'fallback', personId: P.WU },
      { row: 4, expected: 'fallback', personId: P.ZHOU },
      { row: 5, expected: 'fallback', personId: P.SUN },
      { row: 6, expected: 'conflict', personId: P.ZHOU },
      { row: 7, expected: 'conflict', personId: P.ZHOU },
      { row: 8, expected: 'outside', personId: P.OUTSIDE },
      { row: 9, expected: 'unmatched', personId: null },
      { row: 10, expected: 'id', personId: P.ZHANG }, // a duplicate row: never matched, not counted
      { row: 11, expected: 'reject', personId: null }, // rejected at import: not staged
    ];
    const q = await measureMatchQuality(ctx.database.db, importId, truth);
    expect(q.counts).toEqual({
      matchedRows: 8,
      automatic: 4,
      automaticCorrect: 2,
      matchable: 4,
      matchableFound: 2,
      conflicts: 2,
      conflictsFound: 1,
      reviews: 2,
    });
    expect(q).toMatchObject({
      match_precision: 0.5,
      match_recall: 0.5,
      conflict_recall: 0.5,
      review_rate: 0.25,
    });
  });

  it('gives null for an empty denominator', async () => {
    const importId = await createImport(ctx, { feed: 'hr', period: '2024-07-31', rows: [] });
    const q = await measureMatchQuality(ctx.database.db, importId, []);
    expect(q).toMatchObject({
      match_precision: null,
      match_recall: null,
      conflict_recall: null,
      review_rate: null,
    });
  });
});
