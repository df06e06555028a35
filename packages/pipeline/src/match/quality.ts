// Match quality against a ground truth (the generator's truth/<feed>.jsonl), for `pnpm bench match`.
// Persons are compared by ID number, so the truth needs no database ids. Computed in one query:
// the truth is passed as three parallel arrays and unnested next to the import's matches.
//
//   match_precision  automatic matches (ID + FALLBACK) to the true person / all automatic matches
//   match_recall     automatic matches to the true person / rows expected 'id' or 'fallback'
//   conflict_recall  rows matched CONFLICT / rows expected 'conflict'
//   review_rate      REVIEW + CONFLICT rows / all rows of the matching stage (matches rows)
//
// Rows the import marked as duplicates are not matched and are left out of every denominator.
// A ratio with an empty denominator is null.
import { sql, type Kysely } from 'kysely';
import type { DB } from '@ew/db';

export interface TruthRow {
  /** Spreadsheet line number (staged_rows.row_no). */
  row: number;
  /** 'id' | 'fallback' | 'review' | 'conflict' | 'outside' | 'unmatched' | 'reject'. */
  expected: string;
  /** The true person's 18-character ID number (null when the row is about nobody known). */
  personId: string | null;
}

export interface MatchQuality {
  match_precision: number | null;
  match_recall: number | null;
  conflict_recall: number | null;
  review_rate: number | null;
  counts: {
    matchedRows: number;
    automatic: number;
    automaticCorrect: number;
    matchable: number;
    matchableFound: number;
    conflicts: number;
    conflictsFound: number;
    reviews: number;
  };
}

export async function measureMatchQuality(
  db: Kysely<DB>,
  importId: number,
  truth: readonly TruthRow[],
): Promise<MatchQuality> {
  const rows = truth.map((t) => t.row);
  const expected = truth.map((t) => t.expected);
  const persons = truth.map((t) => t.personId);
  const { rows: result } = await sql<MatchQuality['counts']>`
    with truth as (
      select t.row_no, t.expected, t.person_id
        from unnest(${rows}::int[], ${expected}::text[], ${persons}::text[]) as t(row_no, expected, person_id)
        left join staged_rows s on s.import_id = ${importId} and s.row_no = t.row_no
       where s.duplicate_of is null
    ), m as (
      select m.row_no, m.method, p.id_number
        from matches m left join persons p on p.id = m.person_id
       where m.import_id = ${importId}
    ), both_sides as (
      select m.method, m.id_number, t.expected, t.person_id,
             m.method in ('ID', 'FALLBACK') as automatic,
             m.method in ('ID', 'FALLBACK') and m.id_number = t.person_id as correct
        from m full join truth t on t.row_no = m.row_no
    )
    select count(method)::int                                                   as "matchedRows",
           count(*) filter (where automatic)::int                               as "automatic",
           count(*) filter (where correct)::int                                 as "automaticCorrect",
           count(*) filter (where expected in ('id', 'fallback'))::int          as "matchable",
           count(*) filter (where expected in ('id', 'fallback') and correct)::int as "matchableFound",
           count(*) filter (where expected = 'conflict')::int                   as "conflicts",
           count(*) filter (where expected = 'conflict' and method = 'CONFLICT')::int as "conflictsFound",
           count(*) filter (where method in ('REVIEW', 'CONFLICT'))::int        as "reviews"
      from both_sides`.execute(db);
  const c = result[0]!;
  return {
    match_precision: ratio(c.automaticCorrect, c.automatic),
    match_recall: ratio(c.matchableFound, c.matchable),
    conflict_recall: ratio(c.conflictsFound, c.conflicts),
    review_rate: ratio(c.reviews, c.matchedRows),
    counts: c,
  };
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}
