// Job counts per queue and state, for /queues and the queue-depth gauges of the API and worker.
import type { Queue } from 'bullmq';
import type { QueueName } from './catalogue.ts';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type JobCounts = Record<QueueName, Record<JobState, number>>;

/** Counts of every queue given; rejects after `timeoutMs` (BullMQ waits for Redis forever). */
export async function readJobCounts(queues: Record<QueueName, Queue>, timeoutMs: number): Promise<JobCounts> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue counts: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const counts = Promise.all(
    Object.entries(queues).map(async ([name, queue]) => {
      const c = await queue.getJobCounts(...JOB_STATES);
      return [name, Object.fromEntries(JOB_STATES.map((s) => [s, c[s] ?? 0]))] as const;
    }),
  );
  try {
    return Object.fromEntries(await Promise.race([counts, timeout])) as JobCounts;
  } finally {
    clearTimeout(timer);
  }
}
