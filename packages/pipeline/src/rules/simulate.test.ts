// The dry run: counts per code and town under a proposed config, next to the config in force,
// on the latest matched delivery of each feed and the register — and nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { simulateRules } from './simulate.ts';
import {
  addDelivery,
  addHousehold,
  configWith,
  evaluateDelivery,
  tableCounts,
  testContext,
} from './rules.fixture.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

const med = (oop: number, serious = false) => ({
  out_of_pocket: oop,
  serious_illness: serious,
  severe_disability: false,
});

describe('simulateRules', () => {
  it('counts what a proposed threshold would raise, per code and town, writing nothing', async () => {
    const ctx = testContext(tdb);
    const east = await addHousehold(tdb.db, { town: '城关镇', income: 500 });
    const west = await addHousehold(tdb.db, { town: '西河镇', income: 500 });
    const westRefused = await addHousehold(tdb.db, { town: '西河镇', income: 500, refusedBefore: true });
    await addHousehold(tdb.db, { town: '城关镇', income: 1200 }); // INCOME_MARGINAL (950 < 1200 ≤ 1425)
    // an older delivery is not "current"
    const old = await addDelivery(tdb.db, {
      feed: 'medical',
      period: '2024-01-31',
      rows: [{ personId: east.personIds[0]!, payload: med(50000) }],
    });
    const { importId } = await addDelivery(tdb.db, {
      feed: 'medical',
      period: '2024-03-31',
      previousImportId: old.importId,
      rows: [
        { personId: east.personIds[0]!, payload: med(11000) }, // ≥ 10000 now
        { personId: west.personIds[0]!, payload: med(9000, true) }, // ≥ 8000 proposed; MED_SERIOUS either way
        { personId: westRefused.personIds[0]!, payload: med(8500) }, // ≥ 8000 proposed
      ],
    });
    await evaluateDelivery(ctx, importId);
    const before = await tableCounts(tdb.db);

    const proposed = configWith({
      thresholds: [
        { effectiveFrom: '2020-01-01', values: {} },
        { effectiveFrom: '2025-01-01', values: { medExpenseFloor: 8000 } },
      ],
    });
    // evaluated at each delivery's own period the 2025 version is not in force yet …
    const asDelivered = await simulateRules(ctx, proposed, { registerAsOf: '2024-03-31' });
    expect(asDelivered.proposed).toEqual(asDelivered.current);
    // … at its effective date it is
    const result = await simulateRules(ctx, proposed, { at: '2025-01-01' });
    expect(result.deliveries).toEqual([
      { importId, feed: 'medical', period: '2024-03-31', fileName: 'medical-2024-03-31.csv' },
    ]);
    expect(result.registerAsOf).toBe('2025-01-01');
    expect(result.current).toEqual({
      signals: 3,
      alerts: 3,
      alertsBySeverity: { low: 0, medium: 2, high: 1 },
      byCode: {
        INCOME_MARGINAL: { signals: 1, households: 1 },
        MED_EXPENSE: { signals: 1, households: 1 },
        MED_SERIOUS: { signals: 1, households: 1 },
      },
      byTown: [
        {
          townId: east.townId,
          town: '城关镇',
          signals: 2,
          alerts: 2,
          byCode: { INCOME_MARGINAL: 1, MED_EXPENSE: 1 },
        },
        { townId: west.townId, town: '西河镇', signals: 1, alerts: 1, byCode: { MED_SERIOUS: 1 } },
      ],
    });
    expect(result.proposed).toEqual({
      signals: 5,
      alerts: 4,
      // west: MED_EXPENSE + MED_SERIOUS compound → high; westRefused: high raised stays high
      alertsBySeverity: { low: 0, medium: 1, high: 3 },
      byCode: {
        INCOME_MARGINAL: { signals: 1, households: 1 },
        MED_EXPENSE: { signals: 3, households: 3 },
        MED_SERIOUS: { signals: 1, households: 1 },
      },
      byTown: [
        {
          townId: east.townId,
          town: '城关镇',
          signals: 2,
          alerts: 2,
          byCode: { INCOME_MARGINAL: 1, MED_EXPENSE: 1 },
        },
        {
          townId: west.townId,
          town: '西河镇',
          signals: 3,
          alerts: 2,
          byCode: { MED_EXPENSE: 2, MED_SERIOUS: 1 },
        },
      ],
    });
    expect(await tableCounts(tdb.db)).toEqual(before);
  });
});
