// Outcome feedback (domain §7): did the alerts help? Per rule code, per feed or per town, for the
// alerts raised (not SUPPRESSED) in a range of Shanghai days: how many, how many led to help
// (INCLUDED_MARGINAL, TEMP_AID_*, CASE_BY_CASE, REFERRED_DIBAO), were NOT_ELIGIBLE or NOT_FOUND,
// are still open, and the median days from the alert to its task's close. As of the range's end
// (a task closed after it is still open then), from timestamped rows only, like stats.ts.
//   - code / feed: an alert counts once under each distinct code (feed) of its signals created
//     before the range's end and not withdrawn before it (a signal found no longer true says
//     nothing about its rule), so the rows of one alert may add up to more than the alerts;
//   - town: the town of the alert's task when the alert was raised.
import { sql } from 'kysely';
import { csvLine } from '@ew/core';
import type { Database } from '@ew/db';
import { CODE_LABELS, FEED_LABELS, HELP_OUTCOMES } from './labels.ts';
import { dayRange } from './period.ts';
import { closes, townAsOf, ts } from './task-state.ts';

export const OUTCOME_DIMENSIONS = ['code', 'feed', 'town'] as const;
export type OutcomeDimension = (typeof OUTCOME_DIMENSIONS)[number];

export interface OutcomeRow {
  key: string;
  label: string;
  alerts: number;
  helped: number;
  notEligible: number;
  notFound: number;
  open: number;
  /** helped / closed (null when none closed). */
  helpRate: number | null;
  medianDaysToClose: number | null;
}

export interface OutcomeFeedback {
  by: OutcomeDimension;
  /** Shanghai days, inclusive; null = unbounded. */
  fromDay: string | null;
  toDay: string | null;
  rows: OutcomeRow[];
  total: Omit<OutcomeRow, 'key' | 'label' | 'medianDaysToClose' | 'helpRate'>;
}

interface Raw {
  key: string;
  label: string | null;
  alerts: number;
  helped: number;
  not_eligible: number;
  not_found: number;
  open: number;
  median_days: number | null;
}

function keyed(by: OutcomeDimension, t1: ReturnType<typeof ts>) {
  if (by === 'town') {
    return sql`select f.*, f.town_id::text as key, tw.name as label from fate f left join towns tw on tw.id = f.town_id`;
  }
  const column = sql.raw(by === 'code' ? 's.code' : 's.feed');
  return sql`
    select distinct f.*, ${column} as key, null::text as label
      from fate f
      join alert_signals l on l.alert_id = f.id
      join signals s on s.id = l.signal_id
     where s.created_at < ${t1} and (s.superseded_at is null or s.superseded_at >= ${t1})`;
}

export async function outcomeFeedback(
  db: Database,
  input: { by: OutcomeDimension; fromDay?: string; toDay?: string },
): Promise<OutcomeFeedback> {
  const range = dayRange(input.fromDay, input.toDay);
  const t0 = range.from === null ? sql`'-infinity'::timestamptz` : ts(range.from);
  const t1 = range.to === null ? sql`'infinity'::timestamptz` : ts(range.to);
  const help = sql.join(HELP_OUTCOMES.map((o) => sql.lit(o)));
  const { rows } = await sql<Raw>`
    with al as materialized (
      select a.id, a.task_id, a.created_at,
             coalesce(${townAsOf('a.task_id', sql`a.created_at`)},
                      (select h.town_id from households h where h.id = a.household_id)) as town_id
        from alerts a
       where a.status <> 'SUPPRESSED' and a.created_at >= ${t0} and a.created_at < ${t1}
    ), fate as (
      select al.id, al.created_at, al.town_id, c.outcome, c.at as closed_at
        from al
        left join lateral (select ev.detail->>'outcome' as outcome, ev.at from task_events ev
                            where ev.task_id = al.task_id and ${closes('ev')} and ev.at < ${t1}
                            order by ev.at, ev.id limit 1) c on true
    ), keyed as (${keyed(input.by, t1)})
    select key, max(label) as label, count(*) as alerts,
           count(*) filter (where outcome in (${help})) as helped,
           count(*) filter (where outcome = 'NOT_ELIGIBLE') as not_eligible,
           count(*) filter (where outcome = 'NOT_FOUND') as not_found,
           count(*) filter (where closed_at is null) as open,
           percentile_cont(0.5) within group (order by extract(epoch from closed_at - created_at) / 86400)
             filter (where closed_at is not null) as median_days
      from keyed
     group by key
     order by count(*) desc, key`.execute(db);
  const labels = input.by === 'code' ? CODE_LABELS : input.by === 'feed' ? FEED_LABELS : {};
  const out = rows.map((r): OutcomeRow => {
    const closed = Number(r.helped) + Number(r.not_eligible) + Number(r.not_found);
    return {
      key: r.key ?? '',
      label: r.label ?? labels[r.key] ?? r.key ?? '',
      alerts: Number(r.alerts),
      helped: Number(r.helped),
      notEligible: Number(r.not_eligible),
      notFound: Number(r.not_found),
      open: Number(r.open),
      helpRate: closed === 0 ? null : Math.round((Number(r.helped) / closed) * 1000) / 1000,
      medianDaysToClose: r.median_days === null ? null : Math.round(Number(r.median_days) * 10) / 10,
    };
  });
  const sum = (k: 'alerts' | 'helped' | 'notEligible' | 'notFound' | 'open') =>
    out.reduce((n, r) => n + r[k], 0);
  return {
    by: input.by,
    fromDay: input.fromDay ?? null,
    toDay: input.toDay ?? null,
    rows: out,
    total: {
      alerts: sum('alerts'),
      helped: sum('helped'),
      notEligible: sum('notEligible'),
      notFound: sum('notFound'),
      open: sum('open'),
    },
  };
}

const DIMENSION_HEADER: Record<OutcomeDimension, string> = {
  code: '预警规则',
  feed: '数据来源',
  town: '镇(社区办)',
};

export function outcomesCsv(f: OutcomeFeedback): string {
  let out =
    '\uFEFF' +
    csvLine([
      DIMENSION_HEADER[f.by],
      '名称',
      '预警数',
      '获得帮扶',
      '不符合条件',
      '查无此人/已迁出',
      '未办结',
      '帮扶率',
      '办结天数中位数',
    ]);
  for (const r of f.rows) {
    out += csvLine([
      r.key,
      r.label,
      r.alerts,
      r.helped,
      r.notEligible,
      r.notFound,
      r.open,
      r.helpRate,
      r.medianDaysToClose,
    ]);
  }
  return out;
}
