// 乡村振兴: monitored households. RURAL_RISK (风险未消除 and status neither covered nor MARGINAL)
// fires for some; covered / marginal / monitored households are chosen more often.

import { isoOf } from '../calendar.ts';
import { ST } from '../register.ts';
import type { FeedDef } from './types.ts';

export const rural: FeedDef = {
  feed: 'rural',
  outsideAge: [5, 85],
  eligible(ctx, p) {
    return !ctx.reg.isUrban(ctx.reg.pHh[p] ?? 0);
  },
  choose(ctx) {
    const { reg, rng } = ctx;
    const r = rng.next();
    const st = (p: number): number => reg.hStatus[reg.pHh[p] ?? 0] ?? 0;
    if (r < 0.4) return ctx.pick('monitored', (p) => this.eligible(ctx, p) && st(p) === ST.MONITORED);
    if (r < 0.55)
      return ctx.pick(
        'assisted',
        (p) => this.eligible(ctx, p) && st(p) !== ST.NONE && st(p) !== ST.MONITORED,
      );
    return ctx.pick('eligible', (p) => this.eligible(ctx, p));
  },
  values(ctx, s) {
    const { rng, periodDay } = ctx;
    const monitored = s.hh >= 0 && ctx.reg.status(s.hh) === 'MONITORED';
    const type = rng.weightedPick([
      ['UNSTABLE', 40],
      ['MARGINAL_PRONE', 40],
      ['SUDDEN_HARDSHIP', 20],
    ] as const);
    const risk = rng.chance(monitored ? 0.65 : 0.5) ? 'UNRESOLVED' : 'RESOLVED';
    const status = s.hh >= 0 ? ctx.reg.status(s.hh) : 'NONE';
    const flagged = s.inRegister && risk === 'UNRESOLVED' && !['DIBAO', 'TEKUN', 'MARGINAL'].includes(status);
    return {
      values: {
        monitoring_type: type,
        risk_state: risk,
        identified_on: isoOf(periodDay - rng.range(0, 1200)),
      },
      plants: flagged ? ['RURAL_RISK'] : [],
    };
  },
};
