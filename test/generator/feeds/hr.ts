// 人社: employment events. HR_UNEMPLOYED (失业登记 within 90 days of the period, aged 16–60),
// HR_FLEXIBLE_LOW (灵活就业 below the marginal threshold) and HR_STOPPED (停保) are planted, with
// the 90-day and age boundaries and the threshold itself sometimes.

import { isoOf as isoOfDay } from '../calendar.ts';
import { cny, marginalOf, type FeedDef } from './types.ts';

const EDGE_AGES = [15, 16, 60, 61];

export const hr: FeedDef = {
  feed: 'hr',
  outsideAge: [18, 60],
  eligible(ctx, p) {
    const a = ctx.ageOf(p);
    return a >= 16 && a <= 65;
  },
  choose(ctx) {
    if (ctx.rng.chance(0.05)) {
      const target = ctx.rng.pick(EDGE_AGES);
      const p = ctx.pick(`age-${target}`, (q) => ctx.ageOf(q) === target);
      if (p >= 0) return p;
    }
    return ctx.pick('eligible', (p) => this.eligible(ctx, p));
  },
  values(ctx, s) {
    const { rng, periodDay } = ctx;
    const plants: string[] = [];
    const age = s.inRegister ? ctx.ageOf(s.p) : 30;
    const ageEdge = EDGE_AGES.includes(age) && rng.chance(0.7);
    const event = ageEdge
      ? 'UNEMPLOYED'
      : rng.weightedPick([
          ['UNEMPLOYED', 30],
          ['FLEXIBLE', 25],
          ['STOPPED', 20],
          ['EMPLOYED', 25],
        ] as const);
    let eventDay: number;
    let income: number | null = null;
    if (event === 'UNEMPLOYED') {
      if (ageEdge) {
        eventDay = periodDay - rng.range(0, 90);
        plants.push(`HR_UNEMPLOYED:age-${age}`);
      } else {
        const mode = rng.weightedPick([
          ['recent', 70],
          ['old', 20],
          ['edge', 10],
        ] as const);
        if (mode === 'recent') eventDay = periodDay - rng.range(0, 90);
        else if (mode === 'old') eventDay = periodDay - rng.range(91, 400);
        else {
          const offset = rng.pick([90, 91, 0, -1]);
          eventDay = periodDay - offset;
          plants.push(`HR_UNEMPLOYED:days-${offset}`);
        }
      }
      income = rng.chance(0.8) ? null : 0;
    } else {
      eventDay = periodDay - rng.range(0, 720);
      if (event === 'FLEXIBLE') {
        const m = s.hh >= 0 ? marginalOf(ctx, s.hh) : ctx.standards.marginalAt(periodDay, s.urban);
        const mCents = Math.round(m * 100);
        const mode = rng.weightedPick([
          ['below', 40],
          ['edge-equal', 10],
          ['edge-below', 5],
          ['above', 35],
          ['empty', 10],
        ] as const);
        income =
          mode === 'below'
            ? cny(rng.range(30_000, mCents - 100))
            : mode === 'edge-equal'
              ? cny(mCents)
              : mode === 'edge-below'
                ? cny(mCents - 1)
                : mode === 'above'
                  ? cny(rng.range(mCents + 100, 600_000))
                  : null;
        if (mode.startsWith('edge')) plants.push(`HR_FLEXIBLE_LOW:${mode}`);
      } else if (event === 'STOPPED') {
        income = rng.chance(0.7) ? null : cny(rng.range(100_000, 500_000));
        const status = s.hh >= 0 ? ctx.reg.status(s.hh) : 'NONE';
        if (s.inRegister && status !== 'DIBAO' && status !== 'TEKUN') plants.push('HR_STOPPED');
      } else {
        income = rng.range(1800, 9000);
      }
    }
    return {
      values: { event, event_date: isoOfDay(eventDay), monthly_income: income },
      plants,
    };
  },
};
