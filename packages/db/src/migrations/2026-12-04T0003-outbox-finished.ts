// Outbox reconciliation (issue 15): outbox.finished_at is set when a worker has run the row's job
// to its end (completed, or failed for good). A dispatched row without it is work that Redis
// should still hold; if Redis no longer has the job (restarted without persistence, flushed), the
// relay sends it again under the same job id (packages/queue/src/outbox.ts reconcileOutbox).
// Rows dispatched before this migration count as finished: their jobs ran under the old code,
// and resending years of history would only repeat idempotent work.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table outbox add column finished_at timestamptz;
    update outbox set finished_at = dispatched_at where dispatched_at is not null;
    create index outbox_unfinished on outbox (id) where dispatched_at is not null and finished_at is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index outbox_unfinished;
    alter table outbox drop column finished_at;
  `.execute(db);
}
