// A worker in its own process for the fault-injection test, so that it can be killed with
// SIGKILL mid-job: consumes the import queue only, with a short job lock so another worker takes
// over its job within seconds. Environment: DATABASE_URL, REDIS_URL, QUEUE_PREFIX.
import { createLogger, loadEnv } from '@ew/config';
import { createAppContext } from '@ew/pipeline/context';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime } from '@ew/pipeline/runtime';

const env = loadEnv();
const ctx = await createAppContext(env, {
  name: 'killable-worker',
  logger: createLogger('killable', 'silent'),
});
startRuntime(ctx, {
  redisUrl: env.REDIS_URL,
  prefix: env.QUEUE_PREFIX,
  consume: ['import'],
  handlers,
  lockDurationMs: 3_000,
  stalledIntervalMs: 1_000,
});
process.stdout.write('ready\n');
