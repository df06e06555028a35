// Operations: /livez, /readyz and /health (public, for docker/k8s probes), metrics and queue
// statistics (OPS).
//
// `/metrics` needs an OPS bearer token (Prometheus: `authorization: { credentials_file: ... }` in
// the scrape config): its gauges are counts, not personal data, but each scrape queries Postgres
// and Redis, so it is not left open to whoever reaches the port.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { migrationsCheck, postgresCheck, readiness, redisCheck, redisPolicyCheck } from '@ew/observability';
import { requireRole } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, producer } = deps;
  const postgres = postgresCheck(db);
  const redis = redisCheck(producer.redis);

  // liveness: the process answers (its event loop runs); restart it if not
  app.get(
    '/livez',
    { schema: routeSchema({ summary: 'The process answers', tags: ['operations'], auth: false }) },
    async () => ({ status: 'ok' }),
  );

  // readiness: it can do its work; take it out of rotation if not
  app.get(
    '/readyz',
    {
      schema: routeSchema({
        summary: 'Ready: Postgres, Redis (noeviction), migrations current',
        tags: ['operations'],
        auth: false,
      }),
    },
    async (request, reply) => {
      const ready = await readiness(
        {
          postgres,
          redis,
          redisPolicy: redisPolicyCheck(producer.redis),
          migrations: migrationsCheck(db),
        },
        request.log,
      );
      return reply.status(ready.status === 'ok' ? 200 : 503).send(ready);
    },
  );

  // the first probe, kept for existing monitors: Postgres and Redis only
  app.get(
    '/health',
    {
      schema: routeSchema({
        summary: 'Postgres and Redis answer (200) or not (503)',
        tags: ['operations'],
        auth: false,
      }),
    },
    async (request, reply) => {
      const ready = await readiness({ postgres, redis }, request.log);
      return reply.status(ready.status === 'ok' ? 200 : 503).send(ready);
    },
  );

  app.get(
    '/metrics',
    {
      onRequest: requireRole(db, 'OPS'),
      schema: routeSchema({ summary: 'Prometheus metrics', tags: ['operations'] }),
    },
    async (_request, reply) => {
      const body = await deps.metrics.metrics();
      return reply.header('content-type', deps.metrics.contentType).send(body);
    },
  );

  app.get(
    '/queues',
    {
      onRequest: requireRole(db, 'OPS'),
      schema: routeSchema({ summary: 'Job counts per queue, and the outbox', tags: ['operations'] }),
    },
    async () => {
      const [queues, outbox] = await Promise.all([
        producer.jobCounts().catch((err: unknown) => {
          throw new ApiError(
            'UNAVAILABLE',
            'queue statistics unavailable: Redis does not answer',
            undefined,
            err,
          );
        }),
        db
          .selectFrom('outbox')
          .select(sql<number>`count(*)::int`.as('pending'))
          .where('dispatched_at', 'is', null)
          .executeTakeFirstOrThrow(),
      ]);
      return { queues, outboxPending: outbox.pending };
    },
  );
}
