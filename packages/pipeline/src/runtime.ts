// Starts BullMQ workers for a chosen set of queues, each calling its handler, plus the outbox
// relay. Used by the worker service, and in-process by the CLI's --wait mode, tests and benches.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ZodError } from 'zod';
import {
  createRedis,
  defaultConcurrency,
  parsePayload,
  QUEUE_NAMES,
  relayOutbox,
  type JobPayload,
  type QueueName,
} from '@ew/queue';
import type { AppContext } from './context.ts';

/** What a handler may tell the queue while it runs (never personal data: Redis shows it in clear). */
export interface JobControl {
  reportProgress(progress: Record<string, number>): Promise<void>;
  /** This run is the job's last attempt: if it fails, nothing will run it again. */
  readonly finalAttempt?: boolean;
}
export type Handler<Q extends QueueName> = (
  ctx: AppContext,
  payload: JobPayload<Q>,
  job: JobControl,
) => Promise<unknown>;
/** One handler per queue of the catalogue: a missing one fails typecheck. */
export type Handlers = { [Q in QueueName]: Handler<Q> };

/**
 * How long a job's lock lasts without renewal. Imports of a million rows run for tens of seconds;
 * the lock is renewed meanwhile, and a worker that died loses its jobs to others after this.
 */
export const JOB_LOCK_MS = 30_000;

export interface RuntimeOptions {
  redisUrl: string;
  /** BullMQ key prefix (never ioredis keyPrefix). */
  prefix: string;
  /** Queues this process consumes; the rest it only produces into. */
  consume: readonly QueueName[];
  handlers: Partial<Handlers>;
  /** Jobs per queue at once; default: the catalogue's figure per queue (defaultConcurrency). */
  concurrency?: number | undefined;
  /** How often the relay looks for outbox rows written by other processes (ms). */
  relayIntervalMs?: number;
  /** A running job's lock (ms, renewed every half of it); a dead worker's job waits this long. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs (lock expired) are looked for (ms). Default 15 s. */
  stalledIntervalMs?: number;
  /** Told of every job run (the worker's job metrics). Must not throw. */
  onJobFinished?: (event: {
    queue: QueueName;
    seconds: number;
    outcome: 'completed' | 'failed';
    /** Not retried: UnrecoverableError, or the job's last attempt. */
    final: boolean;
  }) => void;
}

export interface Runtime {
  queues: Record<QueueName, Queue>;
  /** Move pending outbox rows to their queues now. */
  relay(): Promise<number>;
  /** True while every consumer of this process runs and none is paused (readiness). */
  consuming(): boolean;
  close(): Promise<void>;
}

export function startRuntime(ctx: AppContext, options: RuntimeOptions): Runtime {
  for (const q of options.consume) {
    if (!QUEUE_NAMES.includes(q)) throw new Error(`unknown queue "${q}" (known: ${QUEUE_NAMES.join(', ')})`);
    if (typeof options.handlers[q] !== 'function') throw new Error(`queue "${q}" has no handler`);
  }
  const producer: Redis = createRedis(options.redisUrl, 'worker');
  const queues = Object.fromEntries(
    QUEUE_NAMES.map((name) => {
      const queue = new Queue(name, { connection: producer, prefix: options.prefix });
      queue.on('error', (err) => ctx.logger.error({ queue: name, err }, 'queue error'));
      return [name, queue];
    }),
  ) as Record<QueueName, Queue>;

  let relaying: Promise<number> | null = null;
  const relay = (): Promise<number> => {
    // one pass at a time per process; callers share the pass in flight
    relaying ??= relayOutbox(ctx.database.db, queues).finally(() => {
      relaying = null;
    });
    return relaying;
  };

  // BullMQ never closes a connection it was given: this runtime does, at close
  const connections: Redis[] = [producer];
  const track = (redis: Redis): Redis => {
    connections.push(redis);
    return redis;
  };
  const workers = options.consume.map((name) => {
    const runJob = async (job: Job): Promise<void> => {
      let payload: JobPayload<typeof name>;
      try {
        payload = parsePayload(name, job.data);
      } catch (error) {
        if (error instanceof ZodError) throw new UnrecoverableError(`bad payload: ${error.message}`);
        throw error;
      }
      ctx.logger.info({ queue: name, jobId: job.id, attempt: job.attemptsMade + 1 }, 'job started');
      const handler = options.handlers[name] as Handler<typeof name>;
      await handler(ctx, payload, {
        reportProgress: (p) => job.updateProgress(p),
        finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
    };
    const worker = new Worker(
      name,
      async (job: Job) => {
        const started = Date.now();
        const finished = (outcome: 'completed' | 'failed', final: boolean) =>
          options.onJobFinished?.({ queue: name, seconds: (Date.now() - started) / 1000, outcome, final });
        try {
          await runJob(job);
        } catch (error) {
          const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          finished('failed', error instanceof UnrecoverableError || lastAttempt);
          throw error;
        }
        finished('completed', false);
        ctx.logger.info({ queue: name, jobId: job.id, ms: Date.now() - started }, 'job done');
        // the handler recorded its successors in the outbox: move them now, not at the next tick
        await relay();
      },
      {
        connection: track(createRedis(options.redisUrl, 'worker')),
        prefix: options.prefix,
        concurrency: options.concurrency ?? defaultConcurrency(name),
        // the lock is renewed every half of it while the handler runs (its steps await Postgres,
        // so the event loop stays free); a worker killed mid-job frees it after at most
        // lockDuration + stalledInterval
        lockDuration: options.lockDurationMs ?? JOB_LOCK_MS,
        stalledInterval: options.stalledIntervalMs ?? 15_000,
      },
    );
    worker.on('failed', (job, err) =>
      ctx.logger.error({ queue: name, jobId: job?.id, attempts: job?.attemptsMade, err }, 'job failed'),
    );
    worker.on('error', (err) => ctx.logger.error({ queue: name, err }, 'worker error'));
    return worker;
  });

  const timer = setInterval(() => {
    relay().catch((err: unknown) => ctx.logger.error({ err }, 'outbox relay failed'));
  }, options.relayIntervalMs ?? 1_000);
  timer.unref();

  return {
    queues,
    relay,
    consuming: () => workers.every((w) => w.isRunning() && !w.isPaused()),
    close: async () => {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await relaying?.catch(() => undefined);
      await Promise.all(Object.values(queues).map((q) => q.close()));
      for (const connection of connections) connection.disconnect();
    },
  };
}
