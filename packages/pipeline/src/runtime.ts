// Starts BullMQ workers for a chosen set of queues, each calling its handler, plus the outbox
// relay. Used by the worker service, and in-process by the CLI's --wait mode, tests and benches.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ZodError } from 'zod';
import {
  createRedis,
  defaultConcurrency,
  markJobFinished,
  parsePayload,
  QUEUE_NAMES,
  reconcileOutbox,
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
  /**
   * How often dispatched but unfinished outbox jobs are looked for in Redis, and sent again if it
   * lost them (ms; also on every (re)connect to Redis). Default 30 s.
   */
  reconcileIntervalMs?: number;
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
  /** Send again now the dispatched, unfinished outbox jobs Redis no longer holds. */
  reconcile(): Promise<number>;
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

  // BullMQ job ids running in this process: Redis may have lost them, but they are not lost
  const running = new Set<string>();
  let reconciling: Promise<number> | null = null;
  const reconcile = (): Promise<number> => {
    reconciling ??= reconcileOutbox(ctx.database.db, queues, { skip: (id) => running.has(id) })
      .then((resent) => {
        if (resent > 0) ctx.logger.warn({ resent }, 'outbox: jobs Redis had lost sent again');
        return resent;
      })
      .finally(() => {
        reconciling = null;
      });
    return reconciling;
  };
  const reconcileLogged = () => {
    reconcile().catch((err: unknown) => ctx.logger.error({ err }, 'outbox reconcile failed'));
  };
  // every (re)connect: a Redis that restarted without its data has lost every job it held
  producer.on('ready', reconcileLogged);
  /** Told once a job ran to its end; a failure here costs one idempotent rerun, not the job. */
  const finish = async (job: Job): Promise<void> => {
    if (job.id === undefined) return;
    await markJobFinished(ctx.database.db, job.id).catch((err: unknown) =>
      ctx.logger.error({ err, jobId: job.id }, 'outbox: could not mark the job finished'),
    );
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
        if (job.id !== undefined) running.add(job.id);
        try {
          await runJob(job);
        } catch (error) {
          const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          const final = error instanceof UnrecoverableError || lastAttempt;
          finished('failed', final);
          if (final) await finish(job);
          throw error;
        } finally {
          if (job.id !== undefined) running.delete(job.id);
        }
        finished('completed', false);
        await finish(job);
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
  const reconcileTimer = setInterval(reconcileLogged, options.reconcileIntervalMs ?? 30_000);
  reconcileTimer.unref();

  return {
    queues,
    relay,
    reconcile,
    consuming: () => workers.every((w) => w.isRunning() && !w.isPaused()),
    close: async () => {
      clearInterval(timer);
      clearInterval(reconcileTimer);
      producer.off('ready', reconcileLogged);
      await Promise.all(workers.map((w) => w.close()));
      await relaying?.catch(() => undefined);
      await reconciling?.catch(() => undefined);
      await Promise.all(Object.values(queues).map((q) => q.close()));
      for (const connection of connections) connection.disconnect();
    },
  };
}
