// The fastify instance, built from an AppContext so tests can `inject` into it without a socket.
// The caller owns the context (and closes it); the app owns its Redis producer and closes it in
// `app.close()`.
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Registry } from 'prom-client';
import type { Database } from '@ew/db';
import type { AppContext } from '@ew/pipeline/context';
import { ApiError, installErrorHandling } from './errors.ts';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { createMetrics } from './metrics.ts';
import { createProducer, type Producer } from './queues.ts';
import { createReadCache, type ReadCache } from './read-cache.ts';
import { consoleRoutes } from './routes/console.ts';
import { queueBoardRoutes } from './routes/queue-board.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { peopleRoutes } from './routes/people.ts';
import { importRoutes } from './routes/imports.ts';
import { reportRoutes } from './routes/reports.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { taskRoutes } from './routes/tasks.ts';
import { CONTENT_SECURITY_POLICY, registerSecurityHeaders, type CspDirectives } from './security.ts';

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
  /** Mark the session cookie Secure even on plain http (COOKIE_SECURE=true behind a TLS proxy). */
  cookieSecure?: boolean;
  /** Sign-in attempts allowed per client address and window (default 30 a minute). */
  loginRateLimit?: { max: number; timeWindowMs: number };
  /** The Content-Security-Policy of every response (default CONTENT_SECURITY_POLICY, security.ts). */
  contentSecurityPolicy?: CspDirectives;
  /** Let the queue board (/admin/queues) retry, remove and pause jobs (QUEUE_BOARD_WRITABLE; default read-only). */
  queueBoardWritable?: boolean;
  /** Memory for kept queue and task pages, bytes (API_READ_CACHE_MB; default 64 MiB; 0: off). */
  readCacheBytes?: number;
}

/** What the route modules get. */
export interface ApiDeps {
  ctx: AppContext;
  db: Database;
  producer: Producer;
  metrics: Registry;
  maxUploadBytes: number;
  uploadDir: string;
  cookieSecure: boolean;
  /** The Content-Security-Policy in force (options.contentSecurityPolicy, else security.ts's). */
  contentSecurityPolicy: CspDirectives;
  /** The route config of POST /auth/login for @fastify/rate-limit. */
  loginRateLimit: { max: number; timeWindow: number };
  /** Queue and task pages kept while nothing they show has changed (read-cache.ts). */
  readCache: ReadCache;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on the app, in order. */
    routeCatalogue: ReadonlyArray<{ method: string; url: string }>;
  }
}

/**
 * Distinct named prepared statements per pooled connection (openDatabase): the API's requests are
 * a few dozen statement shapes, whose planning cost more than their execution. At 1M tasks, 50
 * connections: the task page 240–357 → 560–604 req/s, the queue 400–456 → 480–554 (bench api).
 */
export const API_PREPARED_STATEMENTS = 500;

export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
export const DEFAULT_READ_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_LOGIN_RATE_LIMIT = { max: 30, timeWindowMs: 60_000 };

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

  const metrics = createMetrics({ db: ctx.database.db, producer, logger });
  const deps: ApiDeps = {
    ctx,
    db: ctx.database.db,
    producer,
    metrics,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    uploadDir: options.uploadDir ?? join(ctx.fileStoreDir, '.uploads'),
    cookieSecure: options.cookieSecure ?? false,
    contentSecurityPolicy: options.contentSecurityPolicy ?? CONTENT_SECURITY_POLICY,
    loginRateLimit: {
      max: (options.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT).max,
      timeWindow: (options.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT).timeWindowMs,
    },
    readCache: createReadCache({
      db: ctx.database.db,
      maxBytes: options.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES,
      metrics,
    }),
  };

  // every route as registered (method, URL pattern): the tests enumerate it so that no route
  // taking an id can skip the town scope
  const routeCatalogue: Array<{ method: string; url: string }> = [];
  app.decorate('routeCatalogue', routeCatalogue);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeCatalogue.push({ method, url: route.url });
  });
  app.decorateRequest('user', null);
  app.decorateRequest('credential', null);
  installErrorHandling(app);
  // route schemas are documentation (openapi.ts): zod `parseInput` in each handler validates
  app.setValidatorCompiler(() => (value) => ({ value }));
  // first, so that every response has them: errors, 404s and refusals of oversized bodies too
  await registerSecurityHeaders(app, deps.contentSecurityPolicy);
  app.addHook('onSend', async (_request, reply, payload) => {
    // responses carry personal data (masked, but still): no caching anywhere on the way
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
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
  await app.register(cookie);
  // per client address, in this process, only where a route asks (POST /auth/login)
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError('LOGIN_THROTTLED', `too many requests from this address: try again in ${context.after}`),
  });
  // before the routes: it collects them as they are added
  await app.register(swagger, { openapi: OPENAPI_DOCUMENT });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  authRoutes(app, deps);
  peopleRoutes(app, deps);
  healthRoutes(app, deps);
  importRoutes(app, deps);
  reviewRoutes(app, deps);
  taskRoutes(app, deps);
  reportRoutes(app, deps);
  await queueBoardRoutes(app, deps, options.queueBoardWritable ?? false);
  await consoleRoutes(app, deps);
  return app;
}
