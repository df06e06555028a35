// The one contract for queues: names, job payload schemas and per-queue defaults. The API, the
// CLI and the workers all import it. Payloads carry database ids only, never personal data
// (Redis and any queue dashboard show job data in clear).
import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

const id = z.number().int().positive();

/** One chunk of an import's staged rows: row_no in [rowFrom, rowTo). */
const chunkPayload = z.object({
  importId: id,
  chunk: z.number().int().nonnegative(),
  rowFrom: z.number().int().nonnegative(),
  rowTo: z.number().int().positive(),
});

export const catalogue = {
  /** Stage one delivered file: decode, map, validate, COPY into staged_rows. */
  import: {
    schema: z.object({ importId: id }),
    jobId: (p: { importId: number }) => `import-${p.importId}`,
    // Node-bound (parse, map, validate) and holds stream buffers: one at a time per replica
    concurrency: 1,
  },
  /** Match one chunk (a row range) of an import's staged rows against the register. */
  match: {
    schema: chunkPayload,
    jobId: (p: { importId: number; chunk: number }) => `match-${p.importId}-${p.chunk}`,
    // One: a match chunk and an evaluate chunk already keep two cores busy in Postgres; two of
    // each made the 1M-row pipeline slower (match 28 s → 39 s, pnpm bench pipeline).
    concurrency: 1,
  },
  /** Evaluate the early-warning rules over one matched chunk: signals only. */
  evaluate: {
    schema: chunkPayload,
    jobId: (p: { importId: number; chunk: number }) => `evaluate-${p.importId}-${p.chunk}`,
    // Two: an evaluate chunk takes longer than a match chunk (~2 s vs ~1.6 s at 50k rows), so
    // with one they piled up behind the matcher and the last ~5 ran one at a time on an otherwise
    // idle machine (9–12 s after the last match at 1M rows; with two: 1.8 s, 76–79 s → 68 s in all,
    // pnpm bench pipeline). Side by side they insert signals in identity order (feed-signals.ts),
    // so neither can wait for a row the other has yet to insert: no deadlock.
    concurrency: 2,
  },
  /**
   * Group an import's new signals into household alerts and open or update tasks: the households
   * of one bucket (household_id modulo the bucket count), or all of them without one.
   */
  raiseAlerts: {
    schema: z.object({ importId: id, bucket: z.number().int().nonnegative().optional() }),
    jobId: (p: { importId: number; bucket?: number | undefined }) =>
      p.bucket === undefined ? `alerts-${p.importId}` : `alerts-${p.importId}-${p.bucket}`,
    // Two: the stage runs alone, and its buckets hold disjoint households (raise-alerts.ts), so
    // two write side by side (alerts 27 s → 18 s at 1M rows, pnpm bench pipeline).
    concurrency: 2,
  },
  /** After a register snapshot: re-match current rows, evaluate the newly matched, register income. */
  registerApplied: {
    schema: z.object({ snapshotId: id }),
    jobId: (p: { snapshotId: number }) => `register-${p.snapshotId}`,
    concurrency: 1,
  },
  /** Re-evaluate every household when a new low-income standard takes effect. */
  standardChange: {
    schema: z.object({ areaType: z.enum(['URBAN', 'RURAL']), effectiveFrom: z.iso.date() }),
    jobId: (p: { areaType: string; effectiveFrom: string }) => `standard-${p.areaType}-${p.effectiveFrom}`,
    concurrency: 1,
  },
} as const;

export type QueueName = keyof typeof catalogue;
export type JobPayload<Q extends QueueName> = z.infer<(typeof catalogue)[Q]['schema']>;
export const QUEUE_NAMES = Object.keys(catalogue) as QueueName[];

/** Jobs of `queue` one replica runs at once, unless WORKER_CONCURRENCY sets one figure for all. */
export function defaultConcurrency(queue: QueueName): number {
  return catalogue[queue].concurrency;
}

/** Per-queue defaults: retries with backoff, bounded history in Redis. */
export const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
  removeOnFail: { count: 5_000 },
};

export function jobIdFor<Q extends QueueName>(queue: Q, payload: JobPayload<Q>): string {
  const make = catalogue[queue].jobId as (p: JobPayload<Q>) => string;
  const jobId = make(payload);
  // BullMQ: custom ids must not be all digits and must not contain ':'.
  if (/^\d+$/.test(jobId) || jobId.includes(':')) throw new Error(`invalid job id ${jobId}`);
  return jobId;
}

export function parsePayload<Q extends QueueName>(queue: Q, data: unknown): JobPayload<Q> {
  return catalogue[queue].schema.parse(data) as JobPayload<Q>;
}
