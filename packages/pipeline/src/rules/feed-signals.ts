// Runs a delivery's feed rules set-based: ONE `insert … select … on conflict` over the
// candidate rows (candidate-rows.ts) with one `union all` branch per rule of the feed. A signal's
// identity is (feed, person, household, code, source period = the delivery's period), so a
// re-delivered or overlapping file inserts nothing new. A corrected file (--replace) takes over the
// signals of the delivery it replaced that it raises again (imports/replaced-signals.ts).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { thresholdsAt, type DeploymentConfig, type ThresholdValues } from '@ew/config';
import type { DB } from '@ew/db';
import { candidateRows, standardsAt, type RowSelection } from './candidate-rows.ts';
import { rulesForFeed } from './registry.ts';
import { rowPrefilter, ruleCondition, type FeedRule } from './rule.ts';
import { replacedDeliveries, restoreTaskCodes } from '../imports/replaced-signals.ts';

export interface DeliveryRef {
  id: number;
  feed: string;
  period: string;
}

/**
 * A feed signal's evidence: where it comes from, and the rule's values and thresholds. One
 * jsonb_build_object per signal rather than the source built apart and merged with `||`: the
 * chunk's rules without the insert took 1.05–1.11 s instead of 1.26–1.27 s at best of 5 runs (50k
 * rows, psql); the medians were within the noise.
 */
function evidence(rule: FeedRule, thresholds: ThresholdValues): RawBuilder<unknown> {
  return sql`jsonb_build_object(
    'source', jsonb_build_object('importId', r.import_id, 'rowNo', r.row_no, 'period', r.period,
      'matchMethod', r.match_method, 'matchScore', r.match_score),
    'values', ${rule.values(thresholds)},
    'thresholds', ${rule.thresholds(thresholds)})`;
}

/**
 * Inserts the signals of `delivery`'s `selected` rows (row_no in [rowFrom, rowTo), or the row
 * numbers listed; all rows when absent) that are new or changed since the feed's previous
 * delivery. Standards and thresholds are the ones in force at the delivery's period. Returns the
 * new signals per code.
 */
export async function insertFeedSignals(
  trx: Kysely<DB>,
  config: DeploymentConfig,
  delivery: DeliveryRef,
  selected: { rowFrom: number; rowTo: number } | { rowNos: readonly number[] } | undefined,
): Promise<Record<string, number>> {
  const rules = rulesForFeed(delivery.feed);
  if (rules.length === 0) return {};
  const thresholds = thresholdsAt(config, delivery.period).values;
  const selection: RowSelection = { importId: delivery.id, ...selected, changedOnly: true };
  const replaced = await replacedDeliveries(trx, delivery);
  const branches = rules.map(
    (rule) => sql`
      select r.feed, r.person_id, r.household_id, ${rule.code}::text as code, r.period as source_period,
             ${rule.severity}::text as severity, r.import_id, r.row_no,
             ${evidence(rule, thresholds)} as evidence
        from r
       where ${ruleCondition(rule, thresholds)}`,
  );
  const { rows } = await sql<{ code: string; n: number }>`
    with r as materialized (${candidateRows(selection, standardsAt(config, delivery.period), rowPrefilter(rules, thresholds))}),
    inserted as (
      insert into signals (feed, person_id, household_id, code, source_period, severity, import_id, row_no, evidence)
      -- one row per signal identity, its lowest row number (a person named twice in the chunk),
      -- in identity order: chunks run side by side, and a person named in two of them is the
      -- same signal in both; inserting in row order, two chunks could each hold one such signal
      -- and wait for the other's (deadlock seen with two evaluate jobs at once, pnpm bench pipeline)
      select distinct on (c.feed, c.person_id, c.household_id, c.code, c.source_period) *
        from (${sql.join(branches, sql` union all `)}) c
       order by c.feed, c.person_id, c.household_id, c.code, c.source_period, c.row_no
      -- one signal, several rows of the delivery (a person named twice, perhaps in two chunks):
      -- the lowest row number stands, whichever chunk ran first, so a signal's evidence never
      -- depends on processing order (a worker killed and another resuming, two replicas)
      -- A replaced delivery's signal raised again by its corrected file moves to it (import, row,
      -- evidence) and is live again if its withdrawal was premature (a row accepted in review
      -- after the corrected file's evaluation): the same signal, on its alert, never doubled.
      on conflict (feed, person_id, household_id, code, source_period) do update
         set import_id = excluded.import_id, row_no = excluded.row_no, evidence = excluded.evidence,
             severity = excluded.severity,
             superseded_at = case when signals.import_id = excluded.import_id then signals.superseded_at end,
             superseded_reason = case when signals.import_id = excluded.import_id then signals.superseded_reason end
       where (signals.import_id = excluded.import_id and excluded.row_no < signals.row_no)
          or signals.import_id = any(${replaced}::bigint[])
      returning code, (xmax = 0) as fresh
    )
    select code, count(*)::int as n from inserted where fresh group by code order by code`.execute(trx);
  if (replaced.length > 0) await restoreTaskCodes(trx, delivery.id, selected);
  return Object.fromEntries(rows.map((r) => [r.code, r.n]));
}
