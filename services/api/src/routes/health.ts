// Operations: health (public, for docker/k8s probes), metrics and queue statistics (OPS).
//
// `/metrics` needs an OPS bearer token (Prometheus: `authorization: { credentials_file: ... }` in
// the scrape config): its gauges are counts, not personal data, but each scrape queries Postgres
// and Redis, so it is not left open to whoever reaches the port.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';

const CHECK_TIMEOUT_MS = 2_000;

async function check(what: () => Promise<unknown>): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([what(), timeout]);
    return 'ok';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, producer } = deps;

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
      const results = await Promise.allSettled([
        check(() => sql`select 1`.execute(db)),
        check(() => producer.redis.ping()),
      ]);
      const [postgres, redis] = results.map((r, i) => {
        if (r.status === 'fulfilled') return r.value;
        request.log.warn(
          { err: r.reason as unknown, check: i === 0 ? 'postgres' : 'redis' },
          'health check failed',
        );
        return 'failed' as const;
      });
      const ok = postgres === 'ok' && redis === 'ok';
      const failed = [postgres === 'ok' ? null : 'postgres', redis === 'ok' ? null : 'redis'].filter(
        (x) => x !== null,
      );
      return reply
        .status(ok ? 200 : 503)
        .send(
          ok
            ? { status: 'ok', checks: { postgres, redis } }
            : { status: 'unavailable', failed, checks: { postgres, redis } },
        );
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
