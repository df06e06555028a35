// The worker's /livez, /readyz and /metrics (WORKER_HTTP_PORT): readiness is Postgres, Redis, its
// eviction policy, current migrations and this replica's consumers running; metrics are the
// shared pipeline and queue gauges plus this process's job durations and failures.
import type { Redis } from 'ioredis';
import {
  createRegistry,
  migrationsCheck,
  postgresCheck,
  readiness,
  redisCheck,
  redisPolicyCheck,
  registerJobMetrics,
  registerPipelineGauges,
  registerQueueGauges,
  startProbeServer,
  type JobFinished,
  type ProbeServer,
} from '@ew/observability';
import { createRedis, readJobCounts } from '@ew/queue';
import type { AppContext } from '@ew/pipeline/context';
import type { Runtime } from '@ew/pipeline/runtime';

export interface WorkerProbes {
  /** Give it to startRuntime's onJobFinished. */
  onJobFinished: (event: JobFinished) => void;
  /** Starts serving, once the runtime exists. */
  listen(runtime: Runtime, port: number, host?: string): Promise<ProbeServer>;
  close(): Promise<void>;
}

export function createWorkerProbes(ctx: AppContext, redisUrl: string): WorkerProbes {
  const register = createRegistry();
  const onJobFinished = registerJobMetrics(register);
  const db = ctx.database.db;
  // its own fail-fast connection: a probe must not queue behind the workers' blocking commands,
  // nor wait for Redis forever (worker connections retry every command until it answers)
  const redis: Redis = createRedis(redisUrl, 'producer');
  redis.on('error', () => undefined); // the checks report it
  let server: ProbeServer | null = null;
  return {
    onJobFinished,
    listen: async (runtime, port, host) => {
      registerPipelineGauges(register, db);
      registerQueueGauges(register, {
        jobCounts: () => readJobCounts(runtime.queues, 3_000),
        logger: ctx.logger,
      });
      server = await startProbeServer({
        port,
        ...(host === undefined ? {} : { host }),
        metrics: register,
        logger: ctx.logger,
        readiness: () =>
          readiness(
            {
              postgres: postgresCheck(db),
              redis: redisCheck(redis),
              redisPolicy: redisPolicyCheck(redis),
              migrations: migrationsCheck(db),
              consuming: async () =>
                runtime.consuming() ? { value: 'ok', ok: true } : { value: 'stopped', ok: false },
            },
            ctx.logger,
          ),
      });
      return server;
    },
    close: async () => {
      await server?.close();
      redis.disconnect();
    },
  };
}
