// Sends an unfinished import's jobs to the queues again. For when Redis lost them (flushed,
// restored, or a job id it held already): every handler is idempotent and finished chunks skip,
// and BullMQ ignores an add whose job it still holds, so resending everything is safe.
import { sql } from 'kysely';
import type { Database } from '@ew/db';

const FINISHED = ['EVALUATED', 'REFUSED', 'FAILED', 'REPLACED'];

/** Marks the import's outbox jobs pending again; the relay resends them. Returns how many. */
export async function resumeImport(db: Database, importId: number): Promise<number> {
  const imp = await db.selectFrom('imports').select('status').where('id', '=', importId).executeTakeFirst();
  if (!imp || FINISHED.includes(imp.status)) return 0;
  const result = await db
    .updateTable('outbox')
    .set({ dispatched_at: null })
    .where('dispatched_at', 'is not', null)
    .where(sql<boolean>`(payload ->> 'importId')::bigint = ${importId}`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
