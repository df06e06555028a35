// Prometheus metrics: the process's default metrics plus gauges read from Postgres and the queues
// at scrape time (nothing is counted in memory, so every API replica reports the same numbers).
// Counts only: no personal data in any label (towns are names of places, not people).
import { sql } from 'kysely';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Logger } from '@ew/config';
import type { Database } from '@ew/db';
import type { Producer } from './queues.ts';

export function createMetrics(options: { db: Database; producer: Producer; logger: Logger }): Registry {
  const { db, producer, logger } = options;
  const register = new Registry();
  collectDefaultMetrics({ register });

  new Gauge({
    name: 'ew_imports',
    help: 'Feed imports by status',
    labelNames: ['status'],
    registers: [register],
    async collect() {
      const rows = await db
        .selectFrom('imports')
        .select(['status', sql<number>`count(*)::int`.as('n')])
        .groupBy('status')
        .execute();
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });

  new Gauge({
    name: 'ew_tasks_open',
    help: 'Open investigation tasks (not CLOSED) by town and severity',
    labelNames: ['town', 'severity'],
    registers: [register],
    async collect() {
      const rows = await db
        .selectFrom('tasks')
        .innerJoin('towns', 'towns.id', 'tasks.town_id')
        .select(['towns.name as town', 'tasks.severity', sql<number>`count(*)::int`.as('n')])
        .where('tasks.status', '<>', 'CLOSED')
        .groupBy(['towns.name', 'tasks.severity'])
        .execute();
      this.reset();
      for (const r of rows) this.set({ town: r.town, severity: r.severity }, r.n);
    },
  });

  new Gauge({
    name: 'ew_tasks_overdue',
    help: 'Open tasks past their deadline, by town',
    labelNames: ['town'],
    registers: [register],
    async collect() {
      const rows = await db
        .selectFrom('tasks')
        .innerJoin('towns', 'towns.id', 'tasks.town_id')
        .select(['towns.name as town', sql<number>`count(*)::int`.as('n')])
        .where('tasks.status', '<>', 'CLOSED')
        .where('tasks.due_at', '<', sql<Date>`now()`)
        .groupBy('towns.name')
        .execute();
      this.reset();
      for (const r of rows) this.set({ town: r.town }, r.n);
    },
  });

  new Gauge({
    name: 'ew_outbox_pending',
    help: 'Outbox rows not yet relayed to their queue',
    registers: [register],
    async collect() {
      const row = await db
        .selectFrom('outbox')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('dispatched_at', 'is', null)
        .executeTakeFirstOrThrow();
      this.set(row.n);
    },
  });

  new Gauge({
    name: 'ew_outbox_oldest_pending_seconds',
    help: 'Age of the oldest outbox row not yet relayed (0 when none)',
    registers: [register],
    async collect() {
      const row = await db
        .selectFrom('outbox')
        .select(sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('age'))
        .where('dispatched_at', 'is', null)
        .executeTakeFirstOrThrow();
      this.set(row.age);
    },
  });

  // one read of the queue counts serves both gauges of a scrape
  let queueRead: { at: number; counts: Promise<Awaited<ReturnType<Producer['jobCounts']>> | null> } | null =
    null;
  const queueCounts = () => {
    if (queueRead === null || Date.now() - queueRead.at > 1_000) {
      queueRead = {
        at: Date.now(),
        counts: producer.jobCounts().catch((err: unknown) => {
          logger.warn({ err }, 'queue counts unavailable for metrics');
          return null;
        }),
      };
    }
    return queueRead.counts;
  };
  new Gauge({
    name: 'ew_queue_stats_up',
    help: '1 when the queue counts (ew_queue_jobs) could be read from Redis, else 0',
    registers: [register],
    async collect() {
      this.set((await queueCounts()) === null ? 0 : 1);
    },
  });
  new Gauge({
    name: 'ew_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers: [register],
    async collect() {
      const counts = await queueCounts();
      this.reset();
      for (const [queue, states] of Object.entries(counts ?? {})) {
        for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
      }
    },
  });

  return register;
}
