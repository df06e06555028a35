// An AppContext on a fresh test database, with its own file store, for integration tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadEnv } from '@ew/config';
import { createAppContext, type AppContext } from '@ew/pipeline/context';
import { createTestDatabase, testQueuePrefix, testRedisUrl, type TestDatabase } from './db.ts';

export interface TestApp {
  ctx: AppContext;
  tdb: TestDatabase;
  /** A scratch directory for the test's own files. */
  dir: string;
  redisUrl: string;
  queuePrefix: string;
  close(): Promise<void>;
}

export async function createTestApp(options: { preparedStatements?: number } = {}): Promise<TestApp> {
  const tdb = await createTestDatabase(options);
  const dir = await mkdtemp(join(tmpdir(), 'ew-test-'));
  const env = loadEnv({
    ...process.env,
    DATABASE_URL: tdb.url,
    FILE_STORE_DIR: join(dir, 'store'),
    LOG_LEVEL: 'silent',
  });
  const ctx = await createAppContext(env, {
    name: 'test',
    database: tdb,
    logger: createLogger('test', process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent'),
  });
  return {
    ctx,
    tdb,
    dir,
    redisUrl: testRedisUrl(),
    queuePrefix: testQueuePrefix(),
    close: async () => {
      await tdb.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The environment for a child process (the CLI, a worker) on this test app's database and queues. */
export function childEnv(app: TestApp): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: app.tdb.url,
    REDIS_URL: app.redisUrl,
    QUEUE_PREFIX: app.queuePrefix,
    FILE_STORE_DIR: join(app.dir, 'store'),
    LOG_LEVEL: 'silent',
  };
}
