// 住建: dwelling safety and properties. HOUSING_DANGER (grade C/D and per-capita income ≤ the
// marginal threshold) and ASSET_REVIEW (≥ 2 properties, status DIBAO or MARGINAL) are planted by
// choosing poor / covered households more often.

import { ST } from '../register.ts';
import { isLowIncome, type FeedDef } from './types.ts';

export const housing: FeedDef = {
  feed: 'housing',
  outsideAge: [25, 80],
  eligible(ctx, p) {
    return ctx.ageOf(p) >= 18 && (ctx.reg.pRel[p] ?? 0) <= 1;
  },
  choose(ctx) {
    const { reg, rng } = ctx;
    const r = rng.next();
    const hh = (p: number): number => reg.pHh[p] ?? 0;
    if (r < 0.15) {
      return ctx.pick(
        'assets',
        (p) =>
          this.eligible(ctx, p) && (reg.hStatus[hh(p)] === ST.DIBAO || reg.hStatus[hh(p)] === ST.MARGINAL),
      );
    }
    if (r < 0.35) return ctx.pick('low', (p) => this.eligible(ctx, p) && isLowIncome(ctx, hh(p)));
    return ctx.pick('eligible', (p) => this.eligible(ctx, p));
  },
  values(ctx, s) {
    const { rng, reg } = ctx;
    const low = s.hh >= 0 && isLowIncome(ctx, s.hh);
    const status = s.hh >= 0 ? reg.status(s.hh) : 'NONE';
    const grade = low
      ? rng.weightedPick([
          ['A', 20],
          ['B', 30],
          ['C', 30],
          ['D', 20],
        ] as const)
      : rng.weightedPick([
          ['A', 45],
          ['B', 33],
          ['C', 13],
          ['D', 9],
        ] as const);
    const assets = status === 'DIBAO' || status === 'MARGINAL';
    const count =
      assets && rng.chance(0.45)
        ? rng.weightedPick([
            [2, 80],
            [3, 15],
            [4, 5],
          ] as const)
        : rng.weightedPick([
            [0, 8],
            [1, 70],
            [2, 16],
            [3, 5],
            [4, 1],
          ] as const);
    const plants: string[] = [];
    if ((grade === 'C' || grade === 'D') && low) plants.push('HOUSING_DANGER');
    if (count >= 2 && assets) plants.push(count === 2 ? 'ASSET_REVIEW:edge-2' : 'ASSET_REVIEW');
    return { values: { safety_grade: grade, property_count: count }, plants };
  },
};
