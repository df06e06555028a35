// The fastify instance, built from an AppContext so tests can `inject` into it without a socket.
// The caller owns the context (and closes it); the app owns its Redis producer and closes it in
// `app.close()`.
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Registry } from 'prom-client';
import type { Database } from '@ew/db';
import type { AppContext } from '@ew/pipeline/context';
import { installErrorHandling } from './errors.ts';
import { createMetrics } from './metrics.ts';
import { createProducer, type Producer } from './queues.ts';
import { consoleRoutes } from './routes/console.ts';
import { healthRoutes } from './routes/health.ts';
import { importRoutes } from './routes/imports.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { taskRoutes } from './routes/tasks.ts';

export interface ApiOptions {
  ctx: AppContext;
  redisUrl: string;
  /** BullMQ prefix, the same as the worker's (QUEUE_PREFIX). */
  queuePrefix: string;
  /** The largest accepted upload in bytes (default 512 MiB). */
  maxUploadBytes?: number;
  /** Where an upload is spooled before it is stored by its sha256 (default `<FILE_STORE_DIR>/.uploads`, same volume). */
  uploadDir?: string;
  /** How long startup waits for Redis before going on without it (ms, default 5000). */
  redisReadyTimeoutMs?: number;
}

/** What the route modules get. */
export interface ApiDeps {
  ctx: AppContext;
  db: Database;
  producer: Producer;
  metrics: Registry;
  maxUploadBytes: number;
  uploadDir: string;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const { ctx } = options;
  const logger = ctx.logger.child({ component: 'api' });
  const app = Fastify({
    // the masking logger (IDs and names scrubbed); pino's own type is narrower than fastify's
    loggerInstance: logger as FastifyBaseLogger,
    // one line per request from the hook below: the route pattern, never the raw URL or headers
    logController: new LogController({ disableRequestLogging: true }),
    // JSON bodies are small; uploads go through the multipart parser with their own limits
    bodyLimit: 1024 * 1024,
    // ids in paths are bigints; long URLs are never legitimate here
    routerOptions: { maxParamLength: 100 },
  });
  const producer = createProducer({
    redisUrl: options.redisUrl,
    prefix: options.queuePrefix,
    db: ctx.database.db,
    logger,
  });
  app.addHook('onClose', () => producer.close());

  const deps: ApiDeps = {
    ctx,
    db: ctx.database.db,
    producer,
    metrics: createMetrics({ db: ctx.database.db, producer, logger }),
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    uploadDir: options.uploadDir ?? join(ctx.fileStoreDir, '.uploads'),
  };

  app.decorateRequest('user', null);
  installErrorHandling(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    // responses carry personal data (masked, but still): no caching anywhere on the way
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        user: request.user?.username,
      },
      'request',
    );
  });
  // the API starts without Redis (health then says so); give the connection a moment first
  app.addHook('onReady', async () => {
    if (!(await producer.ready(options.redisReadyTimeoutMs ?? 5_000)))
      logger.warn('redis not ready at startup; import jobs wait in the outbox until it answers');
  });

  await app.register(multipart, {
    limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
  });

  healthRoutes(app, deps);
  importRoutes(app, deps);
  reviewRoutes(app, deps);
  taskRoutes(app, deps);
  await consoleRoutes(app, deps);
  return app;
}
