// Prometheus metric definitions shared by the API and the worker. Gauges are read from Postgres
// and Redis at scrape time (nothing counted in memory, so every replica reports the same numbers;
// aggregate them with max, not sum). Job durations and failures are counted by the worker that ran
// the job (aggregate those with sum). Counts only: no personal data in any label (towns are
// places, feeds and rule codes are names of the system's own).
import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '@ew/config';
import type { Database } from '@ew/db';
import type { JobCounts } from '@ew/queue';

/** A registry with the process's default metrics (CPU, memory, event loop lag, GC, handles). */
export function createRegistry(): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  return register;
}

/**
 * `read()` at most once per `ttlMs` (callers in between share the last answer), for the queries
 * over the big tables (matches, signals) that a scrape every 15 s should not repeat. A failed read
 * is not kept.
 */
function throttled<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    if (last === null || Date.now() - last.at > ttlMs) {
      const value = read();
      last = { at: Date.now(), value };
      value.catch(() => {
        last = null;
      });
    }
    return last.value;
  };
}

/** How often the counts over matches, signals and alerts are re-read (they cost a scan each). */
export const SLOW_GAUGE_TTL_MS = 60_000;

interface GaugeSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  read: () => Promise<Array<{ labels?: Partial<Record<L, string>>; value: number }>>;
}

function gauge<L extends string>(register: Registry, spec: GaugeSpec<L>): void {
  new Gauge<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [register],
    async collect() {
      const rows = await spec.read();
      this.reset();
      for (const r of rows) {
        if (r.labels) this.set(r.labels, r.value);
        else this.set(r.value);
      }
    },
  });
}

/** The pipeline's state read from Postgres: imports, rows, matches, alerts, tasks, outbox. */
export function registerPipelineGauges(register: Registry, db: Database): void {
  gauge(register, {
    name: 'ew_imports',
    help: 'Feed imports by status',
    labelNames: ['status'],
    read: async () =>
      (
        await db
          .selectFrom('imports')
          .select(['status', sql<number>`count(*)::int`.as('n')])
          .groupBy('status')
          .execute()
      ).map((r) => ({ labels: { status: r.status }, value: r.n })),
  });

  gauge(register, {
    name: 'ew_import_rows',
    help: 'Rows of every delivered file by feed and outcome (read, accepted, rejected, duplicate)',
    labelNames: ['feed', 'outcome'],
    read: async () => {
      const rows = await db
        .selectFrom('imports')
        .select([
          'feed',
          sql<number>`sum(rows_read)::float8`.as('read'),
          sql<number>`sum(rows_accepted)::float8`.as('accepted'),
          sql<number>`sum(rows_rejected)::float8`.as('rejected'),
          sql<number>`sum(rows_duplicate)::float8`.as('duplicate'),
        ])
        .groupBy('feed')
        .execute();
      return rows.flatMap((r) =>
        (['read', 'accepted', 'rejected', 'duplicate'] as const).map((outcome) => ({
          labels: { feed: r.feed, outcome },
          value: r[outcome],
        })),
      );
    },
  });

  gauge(register, {
    name: 'ew_rows_matched',
    help: `Staged rows matched, by feed and method (re-read at most every ${SLOW_GAUGE_TTL_MS / 1000} s)`,
    labelNames: ['feed', 'method'],
    read: throttled(SLOW_GAUGE_TTL_MS, async () =>
      (
        await db
          .selectFrom('matches')
          .innerJoin('imports', 'imports.id', 'matches.import_id')
          .select(['imports.feed', 'matches.method', sql<number>`count(*)::float8`.as('n')])
          .groupBy(['imports.feed', 'matches.method'])
          .execute()
      ).map((r) => ({ labels: { feed: r.feed, method: r.method }, value: r.n })),
    ),
  });

  gauge(register, {
    name: 'ew_signals',
    help: `Signals by feed and rule code (re-read at most every ${SLOW_GAUGE_TTL_MS / 1000} s)`,
    labelNames: ['feed', 'code'],
    read: throttled(SLOW_GAUGE_TTL_MS, async () =>
      (
        await db
          .selectFrom('signals')
          .select(['feed', 'code', sql<number>`count(*)::float8`.as('n')])
          .groupBy(['feed', 'code'])
          .execute()
      ).map((r) => ({ labels: { feed: r.feed, code: r.code }, value: r.n })),
    ),
  });

  gauge(register, {
    name: 'ew_alerts_open',
    help: `Open alerts with at least one live (not withdrawn) signal of the rule code (re-read at most every ${SLOW_GAUGE_TTL_MS / 1000} s)`,
    labelNames: ['code'],
    read: throttled(SLOW_GAUGE_TTL_MS, async () =>
      (
        await db
          .selectFrom('alerts')
          .innerJoin('alert_signals', 'alert_signals.alert_id', 'alerts.id')
          .innerJoin('signals', 'signals.id', 'alert_signals.signal_id')
          .select(['signals.code', sql<number>`count(distinct alerts.id)::float8`.as('n')])
          .where('alerts.status', '=', 'OPEN')
          // a withdrawn signal (no longer true) is not current risk
          .where('signals.superseded_at', 'is', null)
          .groupBy('signals.code')
          .execute()
      ).map((r) => ({ labels: { code: r.code }, value: r.n })),
    ),
  });

  gauge(register, {
    name: 'ew_tasks_open',
    help: 'Open investigation tasks (not CLOSED) by town and severity',
    labelNames: ['town', 'severity'],
    read: async () =>
      (
        await db
          .selectFrom('tasks')
          .innerJoin('towns', 'towns.id', 'tasks.town_id')
          .select(['towns.name as town', 'tasks.severity', sql<number>`count(*)::int`.as('n')])
          .where('tasks.status', '<>', 'CLOSED')
          .groupBy(['towns.name', 'tasks.severity'])
          .execute()
      ).map((r) => ({ labels: { town: r.town, severity: r.severity }, value: r.n })),
  });

  gauge(register, {
    name: 'ew_tasks_overdue',
    help: 'Open tasks past their deadline, by town',
    labelNames: ['town'],
    read: async () =>
      (
        await db
          .selectFrom('tasks')
          .innerJoin('towns', 'towns.id', 'tasks.town_id')
          .select(['towns.name as town', sql<number>`count(*)::int`.as('n')])
          .where('tasks.status', '<>', 'CLOSED')
          .where('tasks.due_at', '<', sql<Date>`now()`)
          .groupBy('towns.name')
          .execute()
      ).map((r) => ({ labels: { town: r.town }, value: r.n })),
  });

  const outbox = throttled(1_000, () =>
    db
      .selectFrom('outbox')
      .select([
        sql<number>`count(*)::int`.as('pending'),
        sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('age'),
      ])
      .where('dispatched_at', 'is', null)
      .executeTakeFirstOrThrow(),
  );
  gauge(register, {
    name: 'ew_outbox_pending',
    help: 'Outbox rows not yet relayed to their queue',
    read: async () => [{ value: (await outbox()).pending }],
  });
  gauge(register, {
    name: 'ew_outbox_oldest_pending_seconds',
    help: 'Outbox lag: age of the oldest row not yet relayed (0 when none)',
    read: async () => [{ value: (await outbox()).age }],
  });
}

/** Queue depth per queue and state, from Redis; `ew_queue_stats_up` 0 when Redis does not answer. */
export function registerQueueGauges(
  register: Registry,
  options: { jobCounts: () => Promise<JobCounts>; logger: Logger },
): void {
  // one read of the queue counts serves both gauges of a scrape
  const counts = throttled(1_000, () =>
    options.jobCounts().catch((err: unknown) => {
      options.logger.warn({ err }, 'queue counts unavailable for metrics');
      return null;
    }),
  );
  gauge(register, {
    name: 'ew_queue_stats_up',
    help: '1 when the queue counts (ew_queue_jobs) could be read from Redis, else 0',
    read: async () => [{ value: (await counts()) === null ? 0 : 1 }],
  });
  gauge(register, {
    name: 'ew_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    read: async () =>
      Object.entries((await counts()) ?? {}).flatMap(([queue, states]) =>
        Object.entries(states).map(([state, n]) => ({ labels: { queue, state }, value: n })),
      ),
  });
}

/** One job run, as the worker runtime reports it. */
export interface JobFinished {
  queue: string;
  seconds: number;
  outcome: 'completed' | 'failed';
  /** A failure that is not retried: UnrecoverableError (poison input) or the last attempt. */
  final: boolean;
}

/** Job durations and failures of this worker process. Returns the observer to give the runtime. */
export function registerJobMetrics(register: Registry): (event: JobFinished) => void {
  const duration = new Histogram({
    name: 'ew_job_duration_seconds',
    help: 'Job run time by queue and outcome (completed, failed), this worker process',
    labelNames: ['queue', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [register],
  });
  const failures = new Counter({
    name: 'ew_job_failures_total',
    help: 'Failed job runs by queue; final = not retried (poison input or attempts used up)',
    labelNames: ['queue', 'final'],
    registers: [register],
  });
  return (event) => {
    duration.observe({ queue: event.queue, outcome: event.outcome }, event.seconds);
    if (event.outcome === 'failed') failures.inc({ queue: event.queue, final: String(event.final) });
  };
}
