// What every job handler gets: the database, the deployment config, the feed mappings, a logger.
// Built once per process (worker, CLI, tests, bench) by `createAppContext`.

import {
  createLogger,
  loadDeploymentConfig,
  resolveFromRoot,
  type DeploymentConfig,
  type Env,
  type Logger,
} from '@ew/config';
import { openDatabase, type DatabaseHandle } from '@ew/db';
import { loadMappings, type FeedMapping } from '@ew/ingest';

export interface AppContext {
  database: DatabaseHandle;
  config: DeploymentConfig;
  /** Every mapping in FEEDS_DIR, the register's included, by feed name. */
  mappings: ReadonlyMap<string, FeedMapping>;
  /** Where delivered files are kept, content-addressed (sha256). */
  fileStoreDir: string;
  /** Rows per match and evaluate chunk (PIPELINE_CHUNK_ROWS); absent: CHUNK_ROWS (50,000). */
  chunkRows?: number;
  logger: Logger;
  close(): Promise<void>;
}

export async function createAppContext(
  env: Env,
  options: {
    name: string;
    database?: DatabaseHandle;
    logger?: Logger;
    /** Named prepared statements per connection (see openDatabase); the API's many short reads. */
    preparedStatements?: number;
  },
): Promise<AppContext> {
  const logger = options.logger ?? createLogger(options.name, env.LOG_LEVEL);
  const database =
    options.database ??
    openDatabase(env.DATABASE_URL, {
      applicationName: options.name,
      ...(options.preparedStatements === undefined ? {} : { preparedStatements: options.preparedStatements }),
      onIdleError: (err) => logger.warn({ err }, 'postgres: idle connection failed; the pool replaces it'),
    });
  const config = loadDeploymentConfig(resolveFromRoot(env.APP_ROOT, env.DEPLOYMENT_CONFIG));
  const mappings = await loadMappings(resolveFromRoot(env.APP_ROOT, env.FEEDS_DIR));
  return {
    database,
    config,
    mappings,
    fileStoreDir: resolveFromRoot(env.APP_ROOT, env.FILE_STORE_DIR),
    ...(env.PIPELINE_CHUNK_ROWS === undefined ? {} : { chunkRows: env.PIPELINE_CHUNK_ROWS }),
    logger,
    close: async () => {
      if (!options.database) await database.close();
    },
  };
}

export function feedMapping(ctx: AppContext, feed: string): FeedMapping {
  const mapping = ctx.mappings.get(feed);
  if (!mapping) {
    const known = [...ctx.mappings.keys()].filter((f) => f !== 'register').join(', ');
    throw new Error(`unknown feed "${feed}" (known: ${known})`);
  }
  return mapping;
}
