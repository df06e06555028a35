// The CLI's wiring: env, database (created and migrated on a fresh machine), app context, and —
// when the command needs the pipeline — a queue runtime, in-process when no worker is running.
import { userInfo } from 'node:os';
import { Queue } from 'bullmq';
import type { Operator } from '@ew/accounts';
import { createLogger, exitOnEnvError, loadEnv, type Env } from '@ew/config';
import { ensureDatabase, migrateToLatest, openDatabase } from '@ew/db';
import { createRedis, QUEUE_NAMES } from '@ew/queue';
import { createAppContext, type AppContext } from '@ew/pipeline/context';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';

const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
let operatorName: string | undefined;

/** Set from the global `--operator NAME` option before a command runs. */
export function setOperatorName(name: string | undefined): void {
  if (name !== undefined && !OPERATOR_NAME.test(name)) {
    throw new Error('--operator: 1-64 letters, digits, . _ @ - (starting with a letter or digit)');
  }
  operatorName = name;
}

/**
 * Who runs the command, for the audit log: `cli:<--operator NAME>`, else `cli:<OS user>` — a
 * person, never "unknown" (os.userInfo() throws only for a uid without a passwd entry, then the uid).
 */
export function cliOperator(): Operator {
  let name = operatorName;
  if (name === undefined) {
    try {
      name = userInfo().username;
    } catch {
      name = `uid-${process.getuid?.() ?? '?'}`;
    }
  }
  return { actor: `cli:${name}`, actorUserId: null };
}

export interface CliApp {
  env: Env;
  ctx: AppContext;
}

export async function withApp<T>(
  fn: (app: CliApp) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const env = exitOnEnvError(() => loadEnv());
  if (options.migrate !== false) {
    await ensureDatabase(env.DATABASE_URL);
    const database = openDatabase(env.DATABASE_URL, { max: 1, applicationName: 'ew-cli-migrate' });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
  }
  // the CLI talks to people on stdout: its logs go to stderr, warnings only unless LOG_LEVEL says
  const logger = createLogger('cli', process.env.LOG_LEVEL ? env.LOG_LEVEL : 'warn', {
    destination: process.stderr,
  });
  const ctx = await createAppContext(env, { name: 'cli', logger });
  try {
    return await fn({ env, ctx });
  } finally {
    await ctx.close();
  }
}

/** Whether a worker process consumes the given queue right now. */
async function workersRunning(env: Env, queue: string): Promise<boolean> {
  const connection = createRedis(env.REDIS_URL, 'producer');
  const q = new Queue(queue, { connection, prefix: env.QUEUE_PREFIX });
  try {
    return (await q.getWorkersCount()) > 0;
  } finally {
    await q.close();
    connection.disconnect();
  }
}

/**
 * A runtime that relays the outbox, and also consumes every queue in this process when asked to
 * (`inline`) or when no worker is running (`auto`), so a lone CLI can finish an import.
 */
export async function startCliRuntime(
  app: CliApp,
  mode: 'inline' | 'auto' | 'enqueue-only',
): Promise<{ runtime: Runtime; inline: boolean }> {
  const inline = mode === 'inline' || (mode === 'auto' && !(await workersRunning(app.env, 'import')));
  const runtime = startRuntime(app.ctx, {
    redisUrl: app.env.REDIS_URL,
    prefix: app.env.QUEUE_PREFIX,
    consume: inline ? QUEUE_NAMES : [],
    handlers,
    concurrency: 1,
    relayIntervalMs: 500,
  });
  return { runtime, inline };
}
