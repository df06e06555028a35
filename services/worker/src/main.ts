// The worker service: consumes the queues named in WORKER_QUEUES (all by default), so ops can
// run the slow stage on more replicas (`docker compose up --scale worker=2`). Serves /livez,
// /readyz and /metrics on WORKER_HTTP_PORT (0: none).
import { exitOnEnvError, loadEnv } from '@ew/config';
import { migrateToLatest } from '@ew/db';
import { QUEUE_NAMES, type QueueName } from '@ew/queue';
import { createAppContext } from '@ew/pipeline/context';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime } from '@ew/pipeline/runtime';
import { createWorkerProbes } from './probes.ts';
import { startScheduler } from './scheduler.ts';
import { WORKER_SHUTDOWN_TIMEOUT_MS } from './shutdown.ts';

const env = exitOnEnvError(() => loadEnv());
const consume: QueueName[] =
  env.WORKER_QUEUES === 'all' ? [...QUEUE_NAMES] : (env.WORKER_QUEUES as readonly string[]).map(toQueueName);

function toQueueName(name: string): QueueName {
  if (!(QUEUE_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`WORKER_QUEUES: unknown queue "${name}" (known: ${QUEUE_NAMES.join(', ')})\n`);
    process.exit(1);
  }
  return name as QueueName;
}

const ctx = await createAppContext(env, { name: 'worker' });
if (env.MIGRATE_ON_START) await migrateToLatest(ctx.database.db);
const probes = createWorkerProbes(ctx, env.REDIS_URL);
const runtime = startRuntime(ctx, {
  redisUrl: env.REDIS_URL,
  prefix: env.QUEUE_PREFIX,
  consume,
  handlers,
  concurrency: env.WORKER_CONCURRENCY,
  lockDurationMs: env.WORKER_LOCK_MS,
  stalledIntervalMs: env.WORKER_STALLED_CHECK_MS,
  reconcileIntervalMs: env.OUTBOX_RECONCILE_MS,
  onJobFinished: probes.onJobFinished,
});
if (env.WORKER_HTTP_PORT !== 0) await probes.listen(runtime, env.WORKER_HTTP_PORT);
const stopScheduler = consume.includes('standardChange') ? startScheduler(ctx) : () => undefined;
ctx.logger.info(
  {
    queues: consume,
    concurrency: env.WORKER_CONCURRENCY ?? 'per queue (queue catalogue)',
    httpPort: env.WORKER_HTTP_PORT || null,
  },
  'worker started',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'worker stopping');
  // running jobs finish first; past the job lock they would be rerun elsewhere anyway
  setTimeout(() => {
    ctx.logger.error({ ms: WORKER_SHUTDOWN_TIMEOUT_MS }, 'worker shutdown timed out: exiting');
    process.exit(1);
  }, WORKER_SHUTDOWN_TIMEOUT_MS).unref();
  stopScheduler();
  await runtime.close();
  await probes.close();
  await ctx.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
