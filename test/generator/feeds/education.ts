// 教育: enrolment status and fees. EDU_DROPOUT (status 辍学) and EDU_EXPENSE ((fees − aid) > 30 %
// of the household's annual income) are planted, with the exact threshold sometimes.

import { ageOn } from '../calendar.ts';
import { TOWNS } from '../towns.ts';
import { cny, incomeCents, isLowIncome, type FeedDef } from './types.ts';

const UNIVERSITIES = [
  '河北大学',
  '承德医学院',
  '河北民族师范学院',
  '燕山大学',
  '河北科技大学',
  '承德石油高等专科学校',
];

function schoolName(town: string, stage: string, n: number): string {
  const short = town.replace(/(镇|社区办)$/, '');
  switch (stage) {
    case 'PRESCHOOL':
      return `${short}中心幼儿园`;
    case 'PRIMARY':
      return `${short}第${'一二三'.charAt(n % 3)}小学`;
    case 'JUNIOR':
      return `${short}中学`;
    case 'SENIOR':
      return `承德市第${'一二三四五'.charAt(n % 5)}中学`;
    case 'VOCATIONAL':
      return '承德工业学校';
    default:
      return UNIVERSITIES[n % UNIVERSITIES.length] ?? '河北大学';
  }
}

// Annual fees range per stage, in CNY.
const FEES: Record<string, [number, number]> = {
  PRESCHOOL: [2400, 9600],
  PRIMARY: [0, 1200],
  JUNIOR: [0, 1500],
  SENIOR: [1600, 4800],
  VOCATIONAL: [0, 3000],
  HIGHER: [4000, 12000],
};

export const education: FeedDef = {
  feed: 'education',
  outsideAge: [3, 22],
  eligible(ctx, p) {
    const a = ctx.ageOf(p);
    return a >= 3 && a <= 24;
  },
  choose(ctx) {
    const low = ctx.rng.chance(0.2);
    return low
      ? ctx.pick('low', (p) => this.eligible(ctx, p) && isLowIncome(ctx, ctx.reg.pHh[p] ?? 0))
      : ctx.pick('eligible', (p) => this.eligible(ctx, p));
  },
  values(ctx, s) {
    const { rng } = ctx;
    const age = Math.max(3, Math.min(24, ageOn(s.birth, ctx.periodDay)));
    const stage =
      age <= 5
        ? 'PRESCHOOL'
        : age <= 11
          ? 'PRIMARY'
          : age <= 14
            ? 'JUNIOR'
            : age <= 17
              ? rng.chance(0.2)
                ? 'VOCATIONAL'
                : 'SENIOR'
              : age <= 19 && rng.chance(0.25)
                ? 'VOCATIONAL'
                : 'HIGHER';
    const status = rng.weightedPick([
      ['ENROLLED', 88],
      ['SUSPENDED', 4],
      ['DROPPED_OUT', 8],
    ] as const);
    const plants: string[] = [];
    if (status === 'DROPPED_OUT') plants.push('EDU_DROPOUT');
    const [lo, hi] = FEES[stage] ?? [0, 1000];
    let feesCents = rng.range(lo * 100, hi * 100);
    let aidCents = rng.chance(0.6) ? 0 : rng.range(0, Math.min(feesCents, 500_000));
    const income = incomeCents(ctx, s.hh);
    if (income !== null && rng.chance(0.15)) {
      // 30 % of 12 × monthly income, in cents: income × 3.6 (exact in integer cents).
      const threshold = Math.round((income * 36) / 10);
      const mode = rng.weightedPick([
        ['fire', 60],
        ['edge-equal', 20],
        ['edge-above', 20],
      ] as const);
      const net =
        mode === 'fire'
          ? threshold + rng.range(100, 300_000)
          : mode === 'edge-equal'
            ? threshold
            : threshold + 1;
      aidCents = rng.chance(0.5) ? 0 : rng.range(10_000, 300_000);
      feesCents = net + aidCents;
      plants.push(`EDU_EXPENSE:${mode}`);
    }
    return {
      values: {
        school: schoolName(TOWNS[s.town]?.name ?? '城关镇', stage, rng.int(100)),
        stage,
        status,
        annual_fees: cny(feesCents),
        aid_received: cny(aidCents),
      },
      plants,
    };
  },
};
