// The API service: `tsx services/api/src/main.ts`. Reads the environment (API_HOST, API_PORT,
// DATABASE_URL, REDIS_URL, QUEUE_PREFIX, FILE_STORE_DIR, MIGRATE_ON_START, COOKIE_SECURE,
// QUEUE_BOARD_WRITABLE, API_READ_CACHE_MB, …), migrates when asked,
// listens, and shuts down gracefully on SIGTERM / SIGINT (in-flight requests finish; a second
// signal, or 15 s, forces the exit).
import { exitOnEnvError, loadEnv } from '@ew/config';
import { migrateToLatest, openDatabase } from '@ew/db';
import { createAppContext } from '@ew/pipeline/context';
import { API_PREPARED_STATEMENTS, buildApp } from './app.ts';
import { SHUTDOWN_TIMEOUT_MS } from './shutdown.ts';

async function main(): Promise<void> {
  const env = exitOnEnvError(() => loadEnv());
  if (env.MIGRATE_ON_START) {
    const database = openDatabase(env.DATABASE_URL, { max: 1, applicationName: 'ew-api-migrate' });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
  }
  const ctx = await createAppContext(env, { name: 'api', preparedStatements: API_PREPARED_STATEMENTS });
  const app = await buildApp({
    ctx,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    cookieSecure: env.COOKIE_SECURE,
    queueBoardWritable: env.QUEUE_BOARD_WRITABLE,
    readCacheBytes: env.API_READ_CACHE_MB * 1024 * 1024,
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      ctx.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      ctx.logger.error('shutdown timed out: exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app
      .close()
      .then(() => ctx.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        ctx.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen({ host: env.API_HOST, port: env.API_PORT });
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
