// 医保: out-of-pocket costs and flags. MED_EXPENSE (out-of-pocket ≥ max(10,000, 50 % of annual
// household income)) is planted above, at and just below the threshold; MED_SERIOUS via the flags.

import { cny, incomeCents, isLowIncome, type FeedDef } from './types.ts';

export const medical: FeedDef = {
  feed: 'medical',
  outsideAge: [0, 90],
  eligible() {
    return true;
  },
  choose(ctx) {
    if (ctx.rng.chance(0.1)) return ctx.pick('low', (p) => isLowIncome(ctx, ctx.reg.pHh[p] ?? 0));
    return ctx.pick('all', () => true);
  },
  values(ctx, s) {
    const { rng } = ctx;
    const plants: string[] = [];
    const income = incomeCents(ctx, s.hh);
    // max(10,000, 50 % × 12 × monthly income), in cents.
    const threshold = income === null ? null : Math.max(1_000_000, income * 6);
    const normal = (): number => (rng.chance(0.75) ? rng.range(0, 300_000) : rng.range(300_000, 900_000));
    let cents: number;
    if (threshold !== null) {
      const mode = rng.weightedPick([
        ['normal', 88],
        ['fire', 8],
        ['edge-equal', 2],
        ['edge-below', 2],
      ] as const);
      if (mode === 'fire') cents = threshold + rng.range(0, 5_000_000);
      else if (mode === 'edge-equal') cents = threshold;
      else if (mode === 'edge-below') cents = threshold - 1;
      else cents = Math.min(normal(), threshold - 100);
      if (mode !== 'normal') plants.push(`MED_EXPENSE:${mode}`);
    } else {
      cents = rng.chance(0.9) ? normal() : rng.range(1_000_000, 8_000_000);
    }
    const serious = rng.chance(0.08);
    const disability = rng.chance(0.03);
    if (serious || disability) plants.push('MED_SERIOUS');
    return {
      values: {
        out_of_pocket: cny(Math.max(0, cents)),
        serious_illness: serious,
        severe_disability: disability,
      },
      plants,
    };
  },
};
