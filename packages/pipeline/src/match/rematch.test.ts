import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { matchChunk } from './match-chunk.ts';
import { rematchAfterSnapshot } from './rematch.ts';
import { FIRST_SNAPSHOT, P, SECOND_SNAPSHOT } from './register.fixture.ts';
import {
  createImport,
  dropTestDatabase,
  loadRegister,
  matchesOf,
  matchTestContext,
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

async function matchedImport(feed: string, period: string, rows: StagedInput[]): Promise<number> {
  const importId = await createImport(ctx, { feed, period, rows });
  const rowTo = Math.max(...rows.map((r) => r.rowNo)) + 1;
  await planMatch(ctx, importId, [[2, rowTo]]);
  await matchChunk(ctx, { importId, chunk: 0, rowFrom: 2, rowTo });
  return importId;
}

describe('re-match after a register snapshot', () => {
  it('matches people who moved in, flags people who left, only in current periods, once', async () => {
    const current = await matchedImport('hr', '2024-05-31', [
      { rowNo: 2, id: P.FANG, name: '王芳' }, // OUTSIDE → ID
      { rowNo: 3, idStatus: 'EMPTY', name: '王芳', birthDate: '2001-09-09', gender: 'F', birthFromRow: true }, // UNMATCHED → FALLBACK
      { rowNo: 4, id: P.QIAN, name: '钱进' }, // ID, then left
      { rowNo: 5, idStatus: 'EMPTY', name: '钱进', birthDate: '1950-01-01', birthFromRow: true }, // FALLBACK, then left
      { rowNo: 6, id: P.OUTSIDE, name: '任意' }, // OUTSIDE, stays
      { rowNo: 7, id: P.ZHANG, name: '张三' }, // ID, untouched
    ]);
    const older = await matchedImport('hr', '2024-04-30', [{ rowNo: 2, id: P.FANG, name: '王芳' }]);
    const medical = await matchedImport('medical', '2024-05-31', [{ rowNo: 2, id: P.FANG, name: '王芳' }]);
    await ctx.database.db
      .updateTable('imports')
      .set({ status: 'EVALUATED' })
      .where('id', '=', medical)
      .execute();

    const before = await matchesOf(ctx, current);
    expect([...before.values()].map((m) => m.method)).toEqual([
      'OUTSIDE',
      'UNMATCHED',
      'ID',
      'FALLBACK',
      'OUTSIDE',
      'ID',
    ]);

    const second = await loadRegister(ctx, SECOND_SNAPSHOT);
    const result = await rematchAfterSnapshot(ctx, second.snapshotId);
    expect(result).toEqual({
      imports: 2,
      rematched: 4,
      newlyMatched: 3,
      flaggedLeft: 2,
      unflagged: 0,
      newlyMatchedRows: [
        { importId: current, rowNo: 2 },
        { importId: current, rowNo: 3 },
        { importId: medical, rowNo: 2 },
      ],
    });

    const after = await matchesOf(ctx, current);
    expect(after.get(2)).toMatchObject({
      method: 'ID',
      id_number: P.FANG,
      evidence: { rematchedFor: second.snapshotId },
    });
    expect(after.get(3)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.FANG,
      evidence: { birthDate: 'row' },
    });
    expect(after.get(4)).toMatchObject({
      method: 'ID',
      id_number: P.QIAN,
      evidence: { leftRegister: true, leftSnapshotId: second.snapshotId },
    });
    expect(after.get(5)).toMatchObject({
      method: 'FALLBACK',
      id_number: P.QIAN,
      evidence: { leftRegister: true },
    });
    expect(after.get(6)).toMatchObject({
      method: 'OUTSIDE',
      evidence: { reason: 'NOT_IN_REGISTER', rematchedFor: second.snapshotId },
    });
    expect(after.get(7)).toEqual(before.get(7));
    expect((await matchesOf(ctx, medical)).get(2)).toMatchObject({ method: 'ID', id_number: P.FANG });
    // an earlier period of the feed is history: not re-matched
    expect((await matchesOf(ctx, older)).get(2)).toMatchObject({ method: 'OUTSIDE' });

    // the same snapshot again changes nothing
    const again = await rematchAfterSnapshot(ctx, second.snapshotId);
    expect(again).toMatchObject({ rematched: 0, newlyMatched: 0, flaggedLeft: 0, unflagged: 0 });
    expect(await matchesOf(ctx, current)).toEqual(after);

    // a row matched after the snapshot: the ID of a person who left is outside the register
    const later = await matchedImport('rural', '2024-06-30', [{ rowNo: 2, id: P.QIAN, name: '钱进' }]);
    expect((await matchesOf(ctx, later)).get(2)).toMatchObject({
      method: 'OUTSIDE',
      person_id: null,
      evidence: { reason: 'LEFT_REGISTER' },
    });

    // the person comes back: the flag is cleared
    const third = await loadRegister(ctx, [...SECOND_SNAPSHOT, FIRST_SNAPSHOT.find((p) => p.id === P.QIAN)!]);
    const back = await rematchAfterSnapshot(ctx, third.snapshotId);
    expect(back).toMatchObject({ flaggedLeft: 0, unflagged: 2 });
    expect((await matchesOf(ctx, current)).get(4)!.evidence).not.toHaveProperty('leftRegister');
    // … and the row that was outside for having left is matched by ID again
    expect((await matchesOf(ctx, later)).get(2)).toMatchObject({ method: 'ID', id_number: P.QIAN });
  });

  it('refuses a snapshot that was not applied', async () => {
    await expect(rematchAfterSnapshot(ctx, 999_999)).rejects.toThrow(/not applied/);
  });
});
