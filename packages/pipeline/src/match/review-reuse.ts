// A review's decision carries over to the same source row delivered again (issue 14 G): when a
// feed sends a row with the same person data in a later period (or in a corrected file), the data
// administrator's earlier ACCEPT / REJECT is applied instead of opening the review again.
//
// "The same source row" is the feed plus the row's normalised person fields — ID number (or, for
// an unusable ID, its normalised text), ID status, normalised name, birth date, gender, town —
// never the period, the row number or the department's other columns (costs, events change every
// month). Changed person data is a different row and gets a review of its own.
//
// The latest decided earlier review of that identity counts, and only if the register still
// supports it: an ACCEPT when its person is among the new candidates (so still active and still
// similar), a REJECT when no new candidate appeared (every candidate now was rejected then).
// Otherwise the review stays OPEN. Set-based: one statement per matcher run, inside its
// transaction; the reuse is recorded (reused_from_review_id, the match's evidence, the audit log).
import { sql, type Transaction } from 'kysely';
import type { DB } from '@ew/db';
import { rowFilterSql, type RowFilter } from './row-filter.ts';

export interface ReusedDecisions {
  accepted: number;
  rejected: number;
}

/** Actor recorded on a review decided by reuse (the earlier review names the person who decided). */
export const REUSE_ACTOR = 'system:reuse';

export async function reuseEarlierDecisions(
  trx: Transaction<DB>,
  importId: number,
  filter: RowFilter,
): Promise<ReusedDecisions> {
  const { rows } = await sql<{ status: 'ACCEPTED' | 'REJECTED'; n: number }>`
    with fresh as (
      select r.id, r.row_no, r.candidates, i.feed, s.id_number, s.payload->>'id_raw_norm' as id_raw,
             s.id_status, s.name_norm, s.birth_date, s.gender, s.town
        from match_reviews r
        join imports i on i.id = r.import_id
        join staged_rows s on s.import_id = r.import_id and s.row_no = r.row_no
       where r.import_id = ${importId} and r.status = 'OPEN' and ${rowFilterSql(filter, 'r')}
    ),
    -- the feed's decided reviews of earlier imports, gathered once (materialized): the planner,
    -- on statistics of a first import still being matched, otherwise probed the import's reviews
    -- once per open review (0.6 s a 50,000-row chunk with nothing to reuse, auto_explain)
    earlier as materialized (
      select e.id, e.status, e.chosen_person_id, e.candidates, e.decided_at, es.id_number,
             es.payload->>'id_raw_norm' as id_raw, es.id_status, es.name_norm, es.birth_date,
             es.gender, es.town
        from match_reviews e
        join imports ei on ei.id = e.import_id
        join staged_rows es on es.import_id = e.import_id and es.row_no = e.row_no
       where e.status in ('ACCEPTED', 'REJECTED') and e.import_id <> ${importId}
         and ei.feed = (select feed from imports where id = ${importId})
         and exists (select 1 from fresh)
    ),
    latest as (
      select distinct on (f.id) f.id, f.row_no, f.candidates, e.id as earlier_id, e.status,
             e.chosen_person_id, e.candidates as earlier_candidates
        from fresh f
        -- a hashable key (the ID number, or the raw text of an unusable one), implied by the
        -- conditions below
        join earlier e on coalesce(e.id_number, e.id_raw, '') = coalesce(f.id_number, f.id_raw, '')
       where e.id_number is not distinct from f.id_number
         and e.id_raw is not distinct from f.id_raw
         and e.id_status = f.id_status
         and e.name_norm is not distinct from f.name_norm
         and e.birth_date is not distinct from f.birth_date
         and e.gender is not distinct from f.gender
         and e.town is not distinct from f.town
       order by f.id, e.decided_at desc, e.id desc
    ),
    applicable as (
      select l.* from latest l
       where (l.status = 'ACCEPTED'
              and exists (select 1 from jsonb_array_elements(l.candidates) c
                           where (c->>'personId')::bigint = l.chosen_person_id)
              and exists (select 1 from persons p where p.id = l.chosen_person_id and p.active))
          or (l.status = 'REJECTED'
              and not exists (select 1 from jsonb_array_elements(l.candidates) c
                               where not exists (select 1 from jsonb_array_elements(l.earlier_candidates) o
                                                  where o->'personId' = c->'personId')))
    ),
    decided as (
      update match_reviews r
         set status = a.status, chosen_person_id = a.chosen_person_id, decided_by = ${REUSE_ACTOR},
             decided_at = now(), reused_from_review_id = a.earlier_id
        from applicable a
       where r.id = a.id
      returning r.id, r.row_no, r.status, r.chosen_person_id, r.reused_from_review_id
    ),
    rematched as (
      update matches m
         set method = case when d.status = 'ACCEPTED' then 'MANUAL' else m.method end,
             person_id = case when d.status = 'ACCEPTED' then d.chosen_person_id else m.person_id end,
             score = case when d.status = 'ACCEPTED' then 1 else m.score end,
             evidence = case when d.status = 'ACCEPTED'
               then jsonb_build_object('reviewId', d.id, 'previousMethod', m.method,
                                       'reusedFromReviewId', d.reused_from_review_id)
               else m.evidence || jsonb_build_object('reviewRejected', d.id,
                                                     'reusedFromReviewId', d.reused_from_review_id) end,
             matched_at = case when d.status = 'ACCEPTED' then now() else m.matched_at end
        from decided d
       where m.import_id = ${importId} and m.row_no = d.row_no
      returning m.row_no
    ),
    audited as (
      insert into audit_log (actor, actor_user_id, action, subject_type, subject_id, detail)
      select ${REUSE_ACTOR}, null, 'review.reuse', 'match_review', d.id::text,
             jsonb_build_object('importId', ${importId}::bigint, 'rowNo', d.row_no, 'status', d.status,
                                'personId', d.chosen_person_id, 'reusedFromReviewId', d.reused_from_review_id)
        from decided d
      returning id
    )
    -- (data-modifying CTEs run whether read or not)
    select d.status, count(*)::int as n from decided d group by d.status`.execute(trx);
  return {
    accepted: rows.find((r) => r.status === 'ACCEPTED')?.n ?? 0,
    rejected: rows.find((r) => r.status === 'REJECTED')?.n ?? 0,
  };
}
