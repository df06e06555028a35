// Transactional outbox. A stage records its next job in `outbox` inside its own transaction;
// the relay turns pending rows into BullMQ jobs with deterministic ids. A crash between commit
// and enqueue leaves the row pending, and the next relay pass enqueues it. BullMQ ignores an add
// whose job id already exists, and Postgres unique keys guard the real writes.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Queue } from 'bullmq';
import type { DB } from '@ew/db';
import { defaultJobOptions, jobIdFor, parsePayload, type JobPayload, type QueueName } from './catalogue.ts';

export async function recordJob<Q extends QueueName>(
  trx: Transaction<DB> | Kysely<DB>,
  queue: Q,
  payload: JobPayload<Q>,
): Promise<void> {
  const checked = parsePayload(queue, payload);
  await trx
    .insertInto('outbox')
    .values({ queue, job_name: queue, job_id: jobIdFor(queue, checked), payload: JSON.stringify(checked) })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .execute();
}

export type QueueSet = { [Q in QueueName]?: Queue };

const installations = new WeakMap<Kysely<DB>, Promise<string>>();

/** This database's installation id (cached per Kysely instance). */
export function installationId(db: Kysely<DB>): Promise<string> {
  let id = installations.get(db);
  if (!id) {
    id = db
      .selectFrom('installation')
      .select('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
    id.catch(() => installations.delete(db));
    installations.set(db, id);
  }
  return id;
}

/** The BullMQ job id of an outbox job: its database-local id plus the installation id. */
export function queueJobId(outboxJobId: string, installation: string): string {
  return `${outboxJobId}-${installation}`;
}

/** Moves pending outbox rows to their queues. Safe to run from several processes at once. */
export async function relayOutbox(db: Kysely<DB>, queues: QueueSet, batch = 200): Promise<number> {
  let moved = 0;
  const installation = await installationId(db);
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'queue', 'job_id', 'payload'])
        .where('dispatched_at', 'is', null)
        .orderBy('id')
        .limit(batch)
        .forUpdate()
        .skipLocked()
        .execute();
      const dispatched: number[] = [];
      for (const row of rows) {
        const queue = queues[row.queue as QueueName];
        if (!queue) continue; // another process owns this queue's producer
        await queue.add(row.queue, row.payload, {
          ...defaultJobOptions,
          jobId: queueJobId(row.job_id, installation),
        });
        dispatched.push(row.id);
      }
      if (dispatched.length > 0) {
        await trx
          .updateTable('outbox')
          .set({ dispatched_at: sql<Date>`now()` })
          .where('id', 'in', dispatched)
          .execute();
      }
      return dispatched.length;
    });
    moved += n;
    if (n < batch) return moved;
  }
}
