// Transactional outbox. A stage records its next job in `outbox` inside its own transaction;
// the relay turns pending rows into BullMQ jobs with deterministic ids. A crash between commit
// and enqueue leaves the row pending, and the next relay pass enqueues it. BullMQ ignores an add
// whose job id already exists, and Postgres unique keys guard the real writes.
// A dispatched row stays unfinished until a worker has run its job to the end (markJobFinished);
// if Redis loses the job meanwhile (restarted without persistence, flushed), reconcileOutbox
// sends it again under the same job id.
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

/** An outbox row's job, under its deterministic id (an add of an id Redis holds is ignored). */
async function enqueue(
  queue: Queue,
  row: { queue: string; job_id: string; payload: unknown },
  installation: string,
): Promise<void> {
  await queue.add(row.queue, row.payload, {
    ...defaultJobOptions,
    jobId: queueJobId(row.job_id, installation),
  });
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
        await enqueue(queue, row, installation);
        dispatched.push(row.id);
      }
      if (dispatched.length > 0) {
        await trx
          .updateTable('outbox')
          // a (re)dispatch starts a new run: unfinished until a worker ends it
          .set({ dispatched_at: sql<Date>`now()`, finished_at: null })
          .where('id', 'in', dispatched)
          .execute();
      }
      return dispatched.length;
    });
    moved += n;
    if (n < batch) return moved;
  }
}

/** The outbox job id of a BullMQ job id made by queueJobId (null: not an outbox job). */
export function outboxJobIdOf(queueJobIdValue: string, installation: string): string | null {
  const suffix = `-${installation}`;
  return queueJobIdValue.endsWith(suffix) ? queueJobIdValue.slice(0, -suffix.length) : null;
}

/**
 * Records that a worker ran this BullMQ job to its end (completed, or failed for good), so that
 * reconcileOutbox no longer looks for it. A crash before this runs costs one idempotent rerun.
 */
export async function markJobFinished(db: Kysely<DB>, queueJobIdValue: string): Promise<void> {
  const jobId = outboxJobIdOf(queueJobIdValue, await installationId(db));
  if (jobId === null) return;
  await db
    .updateTable('outbox')
    .set({ finished_at: sql<Date>`now()` })
    .where('job_id', '=', jobId)
    .where('finished_at', 'is', null)
    .execute();
}

export interface ReconcileOptions {
  /** Outbox rows read per query (their job states are then asked of Redis together). */
  batch?: number;
  /** BullMQ job ids to leave alone (running in this process right now). */
  skip?: (queueJobIdValue: string) => boolean;
}

/**
 * Sends again, under the same job id, every dispatched but unfinished outbox row whose BullMQ
 * job Redis no longer holds (a Redis restarted without persistence, a flush). Jobs Redis still
 * holds, in any state, are left alone. Safe to run from several processes at once: BullMQ ignores
 * an add whose job id exists, and every handler is idempotent. Returns how many were sent again.
 */
export async function reconcileOutbox(
  db: Kysely<DB>,
  queues: QueueSet,
  options: ReconcileOptions = {},
): Promise<number> {
  const batch = options.batch ?? 500;
  const installation = await installationId(db);
  let resent = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'queue', 'job_id', 'payload'])
      .where('dispatched_at', 'is not', null)
      .where('finished_at', 'is', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) return resent;
    after = rows[rows.length - 1]!.id;
    const candidates = rows.flatMap((row) => {
      const queue = queues[row.queue as QueueName];
      const jobId = queueJobId(row.job_id, installation);
      return queue && !options.skip?.(jobId) ? [{ row, queue, jobId }] : [];
    });
    if (candidates.length > 0) {
      // sent together: ioredis writes them back to back on the producer's connection
      const states = await Promise.all(candidates.map((c) => c.queue.getJobState(c.jobId)));
      for (const [i, c] of candidates.entries()) {
        if (states[i] !== 'unknown') continue;
        await enqueue(c.queue, c.row, installation);
        resent++;
      }
    }
    if (rows.length < batch) return resent;
  }
}
