// The candidate rows a feed rule looks at: the matched, deduplicated staged rows of one delivery
// (optionally one row range, optionally only rows new or changed since the feed's previous
// delivery) joined to the matched person and their household, with the low-income standard in
// force at the delivery's period for the household's area type.
//
// Columns of `r` (what rule predicates and evidence may use):
//   import_id, row_no, feed, period (date: the delivery's as-of date), payload (jsonb: canonical
//   feed fields), person_id, match_method, match_score, household_id, town_id, area_type,
//   assistance_status, refused_before, monthly_income (numeric, null = unknown), member_count,
//   annual_income (12 × monthly_income), age (completed years at `period`, null without a birth
//   date), standard, marginal_threshold (standard × marginal factor), standard_from (its
//   effective date).
import { sql, type RawBuilder } from 'kysely';
import {
  AREA_TYPES,
  standardAt,
  type AreaType,
  type DeploymentConfig,
  type StandardInForce,
} from '@ew/config';

/** A match that identifies a register person: by ID, by fallback, or by a reviewer. */
export const MATCHED_METHODS = ['ID', 'FALLBACK', 'MANUAL'] as const;

export type StandardsInForce = Readonly<Record<AreaType, StandardInForce>>;

/** The standard in force on `date` for every area type. Throws when one has none in force. */
export function standardsAt(config: DeploymentConfig, date: string): StandardsInForce {
  return {
    URBAN: standardAt(config, 'URBAN', date),
    RURAL: standardAt(config, 'RURAL', date),
  };
}

export interface RowSelection {
  importId: number;
  /** Row numbers in [rowFrom, rowTo); the whole delivery when absent. */
  rowFrom?: number;
  rowTo?: number;
  /** Only these row numbers (rows a reviewer or a register snapshot matched after the import). */
  rowNos?: readonly number[];
  /**
   * Only rows new or changed since the feed's previous delivery (staged_rows.delta; a row the
   * import stage did not classify counts as new). Domain §2.2: a signal fires on what changed,
   * not again on what was already known.
   */
  changedOnly: boolean;
}

/** `(values (...), (...)) std(area_type, standard, marginal_threshold, standard_from)` */
export function standardsTable(standards: StandardsInForce): RawBuilder<unknown> {
  const rows = AREA_TYPES.map(
    (area) =>
      sql`(${area}::text, ${standards[area].monthlyPerPerson}::numeric, ${standards[area].marginalThreshold}::numeric, ${standards[area].effectiveFrom}::date)`,
  );
  return sql`(values ${sql.join(rows)}) std(area_type, standard, marginal_threshold, standard_from)`;
}

/**
 * A subquery (use as `(...) r`) of the candidate rows. With `prefilter` (boolean SQL over the
 * delivered row as `r`: `r.payload`, `r.period`; see rule.ts rowPrefilter) only rows it accepts
 * are joined to their match, person and household.
 */
export function candidateRows(
  selection: RowSelection,
  standards: StandardsInForce,
  prefilter?: RawBuilder<boolean>,
): RawBuilder<unknown> {
  const range =
    selection.rowFrom === undefined || selection.rowTo === undefined
      ? sql``
      : // on matches too: its statistics may be stale, and a range on both sides keeps each
        // chunk's join to its own rows instead of the whole import's matches
        sql`and r.row_no >= ${selection.rowFrom}::int and r.row_no < ${selection.rowTo}::int
            and m.row_no >= ${selection.rowFrom}::int and m.row_no < ${selection.rowTo}::int`;
  const listed =
    selection.rowNos === undefined
      ? sql``
      : sql`and r.row_no = any(${[...selection.rowNos]}::int[]) and m.row_no = any(${[...selection.rowNos]}::int[])`;
  const changed = selection.changedOnly ? sql`and coalesce(r.delta, 'NEW') <> 'SAME'` : sql``;
  // the delivered row is `r` to the prefilter, as it is to the rules (the subquery is flattened:
  // the plan is the one of a plain join, with the prefilter on the staged_rows scan)
  const delivered = sql`(select s.*, i.feed, i.period from staged_rows s join imports i on i.id = s.import_id) r`;
  return sql`
    select r.import_id, r.row_no, r.feed, r.period, r.payload,
           m.person_id, m.method as match_method, m.score as match_score,
           h.id as household_id, h.town_id, h.area_type, h.assistance_status, h.refused_before,
           h.monthly_income, h.member_count, 12 * h.monthly_income as annual_income,
           case when p.birth_date is not null
                then extract(year from age(r.period, p.birth_date))::int end as age,
           std.standard, std.marginal_threshold, std.standard_from
      from ${delivered}
      join matches m on m.import_id = r.import_id and m.row_no = r.row_no
      join persons p on p.id = m.person_id
      join households h on h.id = p.household_id
      join ${standardsTable(standards)} on std.area_type = h.area_type
     where r.import_id = ${selection.importId}::bigint ${range} ${listed} ${changed}
       and r.duplicate_of is null
       and m.method = any(${[...MATCHED_METHODS]}::text[])
       and p.active and h.active
       ${prefilter === undefined ? sql`` : sql`and ${prefilter}`}`;
}
