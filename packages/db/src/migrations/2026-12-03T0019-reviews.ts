// The data administrator's month (issue 14):
//   - match_reviews.status gains SUPERSEDED: a replaced import's open reviews close so, never to be
//     decided; reused_from_review_id says that a review took its decision from an earlier review
//     of the same source row (same person data) delivered in an earlier period.
//   - imports.warnings and register_snapshots.warnings: the file's header notes for the report
//     (columns ignored, optional fields absent, fields derived from another column).
//   - signals.superseded_at / superseded_reason: a signal no longer true under a new low-income
//     standard (INCOME_MARGINAL above the new marginal threshold) is marked, not deleted.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table match_reviews drop constraint if exists match_reviews_status_check;
    alter table match_reviews add constraint match_reviews_status_check
      check (status in ('OPEN', 'ACCEPTED', 'REJECTED', 'SUPERSEDED'));
    alter table match_reviews add column reused_from_review_id bigint references match_reviews;
    create index match_reviews_open on match_reviews (import_id) where status = 'OPEN';

    alter table imports add column warnings jsonb not null default '[]';
    alter table register_snapshots add column warnings jsonb not null default '[]';

    alter table signals add column superseded_at timestamptz;
    alter table signals add column superseded_reason text;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table signals drop column superseded_reason;
    alter table signals drop column superseded_at;
    alter table register_snapshots drop column warnings;
    alter table imports drop column warnings;
    drop index match_reviews_open;
    alter table match_reviews drop column reused_from_review_id;
    update match_reviews set status = 'REJECTED' where status = 'SUPERSEDED';
    alter table match_reviews drop constraint match_reviews_status_check;
    alter table match_reviews add constraint match_reviews_status_check
      check (status in ('OPEN', 'ACCEPTED', 'REJECTED'));
  `.execute(db);
}
