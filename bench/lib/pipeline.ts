// Drives one feed file through the real pipeline: worker PROCESSES (services/worker/src/main.ts,
// WORKER_QUEUES per group, N replicas each) consume the queues; this process is only the producer
// (`requestImport` + the outbox relay) and polls `imports` until the import reaches the wanted
// status. Stage times and busy seconds per queue come from the workers' log lines (below).
import { sql } from 'kysely';
import type { ImportStatus } from '@ew/db';
import type { AppContext } from '@ew/pipeline/context';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import type { BenchEnv } from './db.ts';
import { spawnTs, type ProcStats, type Tracked } from './proc.ts';
import { round2 } from './env.ts';

export const WORKER_MAIN = 'services/worker/src/main.ts';
export const PERIOD = '2023-03-31'; // the generator's default feed period

export interface WorkerSet {
  queues: string;
  procs: Tracked[];
}

/** The worker's heap cap as deployed (package.json `worker`, docker-compose). */
export const DEPLOYED_NODE_OPTIONS = '--max-old-space-size=256';

/**
 * Starts `replicas` worker processes consuming `queues`; resolves once each logged "worker started".
 * The workers run as deployed (heap capped at 256 MB, as `pnpm worker` and docker-compose do);
 * BENCH_WORKER_NODE_OPTIONS (e.g. "--max-old-space-size=128", or "" for none) overrides it.
 */
export async function startWorkers(be: BenchEnv, queues: string, replicas: number): Promise<WorkerSet> {
  const procs = Array.from({ length: replicas }, () =>
    spawnTs(WORKER_MAIN, [], {
      env: {
        ...be.vars,
        WORKER_QUEUES: queues,
        NODE_OPTIONS: process.env['BENCH_WORKER_NODE_OPTIONS'] ?? DEPLOYED_NODE_OPTIONS,
      },
      readyWhen: (line) =>
        typeof line === 'object' && line !== null && (line as { msg?: string }).msg === 'worker started',
    }),
  );
  await Promise.all(procs.map((p) => p.ready));
  return { queues, procs };
}

export interface WorkerReport {
  queues: string;
  replicas: number;
  /** Highest VmHWM of any replica, MB. */
  peak_rss_mb: number;
  /** Per replica: VmHWM, RSS when idle after start, CPU seconds. */
  per_replica: Array<{ peak_rss_mb: number; idle_rss_mb: number | null; cpu_seconds: number }>;
  /** Sum of job durations per queue (ms from the worker's "job done" lines), seconds. */
  busy_seconds: Record<string, number>;
  jobs: Record<string, number>;
}

export async function stopWorkers(set: WorkerSet): Promise<WorkerReport> {
  const stats: ProcStats[] = await Promise.all(set.procs.map((p) => p.stop()));
  const busy: Record<string, number> = {};
  const jobs: Record<string, number> = {};
  for (const p of set.procs) {
    for (const line of p.lines) {
      const l = line as { msg?: string; queue?: string; ms?: number };
      if (l?.msg === 'job done' && l.queue && typeof l.ms === 'number') {
        busy[l.queue] = round2((busy[l.queue] ?? 0) + l.ms / 1000);
        jobs[l.queue] = (jobs[l.queue] ?? 0) + 1;
      }
    }
  }
  return {
    queues: set.queues,
    replicas: set.procs.length,
    peak_rss_mb: round2(Math.max(0, ...stats.map((s) => s.peakRssMb))),
    per_replica: stats.map((s) => ({
      peak_rss_mb: round2(s.peakRssMb),
      idle_rss_mb: s.readyRssMb === null ? null : round2(s.readyRssMb),
      cpu_seconds: round2(s.cpuSeconds),
    })),
    busy_seconds: busy,
    jobs,
  };
}

/** The producer side: an app context and a runtime that only relays the outbox. */
export function startProducer(ctx: AppContext, be: BenchEnv): Runtime {
  return startRuntime(ctx, {
    redisUrl: be.env.REDIS_URL,
    prefix: be.prefix,
    consume: [],
    handlers: {},
    relayIntervalMs: 250,
  });
}

export async function requestFeedImport(
  ctx: AppContext,
  runtime: Runtime,
  feed: string,
  file: string,
): Promise<number> {
  const result = await requestImport(ctx, { feed, period: PERIOD, file, requestedBy: 'bench' });
  if (result.outcome !== 'QUEUED') throw new Error(`import request: ${result.outcome}`);
  await runtime.relay();
  return result.importId;
}

const FAILED: ReadonlySet<ImportStatus> = new Set(['REFUSED', 'FAILED', 'REPLACED']);
const ORDER: ImportStatus[] = ['QUEUED', 'STAGING', 'STAGED', 'MATCHING', 'MATCHED', 'EVALUATED'];

/** Polls until the import reaches `status` (or a later one); fails fast when a worker dies or a job fails. */
export async function waitForStatus(
  ctx: AppContext,
  importId: number,
  status: ImportStatus,
  workers: WorkerSet[],
  timeoutMs = 3_600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const imp = await ctx.database.db
      .selectFrom('imports')
      .select(['status', 'error_message'])
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    if (FAILED.has(imp.status))
      throw new Error(`import ${importId} ${imp.status}: ${imp.error_message ?? ''}`);
    if (ORDER.indexOf(imp.status) >= ORDER.indexOf(status)) return;
    for (const set of workers) {
      for (const p of set.procs) {
        if (p.child.exitCode !== null)
          throw new Error(`worker ${p.pid} (${set.queues}) exited: ${p.stderr.join('').slice(-2000)}`);
        const failed = p.lines.find((l) => (l as { msg?: string })?.msg === 'job failed');
        if (failed) throw new Error(`worker ${p.pid}: job failed: ${JSON.stringify(failed).slice(0, 2000)}`);
      }
    }
    if (Date.now() > deadline)
      throw new Error(`import ${importId} still ${imp.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Stage boundaries come from the workers' own log lines ("job started" / "job done", pino ISO
// times with ms), not from the database: imports.started_at/staged_at and import_chunks.done_at are
// set with now() inside each stage's single transaction, i.e. they record when the transaction
// BEGAN (staged_at equals started_at), so they cannot show how long a stage took.

export interface StageTimes {
  /** request committed (imports.created_at) → import job started (queue latency). */
  queued: number | null;
  /** import job: start → done (read, map, validate, COPY, duplicates, delta, chunk plan). */
  staging: number | null;
  /** import job done → last match job done. */
  match: number | null;
  /** last match job done → last evaluate job done (evaluate overlaps match: this is its tail). */
  evaluate: number | null;
  /** last evaluate job done → raiseAlerts job done (EVALUATED). */
  alerts: number | null;
  /** request committed → raiseAlerts done. */
  pipeline: number | null;
}

export interface QueueSpan {
  firstStart: number;
  lastDone: number;
  jobs: number;
  busyMs: number;
}

/** Per queue: first job start, last job done (epoch ms), job count, summed job time. */
export function queueSpans(sets: readonly WorkerSet[]): Record<string, QueueSpan> {
  const spans: Record<string, QueueSpan> = {};
  for (const set of sets) {
    for (const p of set.procs) {
      for (const line of p.lines) {
        const l = line as { msg?: string; queue?: string; time?: string; ms?: number };
        if (!l?.queue || !l.time || (l.msg !== 'job started' && l.msg !== 'job done')) continue;
        const t = new Date(l.time).getTime();
        const span = (spans[l.queue] ??= { firstStart: Infinity, lastDone: -Infinity, jobs: 0, busyMs: 0 });
        if (l.msg === 'job started') span.firstStart = Math.min(span.firstStart, t);
        else {
          span.lastDone = Math.max(span.lastDone, t);
          span.jobs++;
          span.busyMs += l.ms ?? 0;
        }
      }
    }
  }
  return spans;
}

/**
 * A stage's own step timings (the `ms` object of its debug/info line `msg`: the matcher's
 * "rows matched" per chunk, raiseAlerts' "alerts raised"), summed over jobs, seconds.
 */
export function stageSteps(sets: readonly WorkerSet[], msg: string): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const set of sets)
    for (const p of set.procs)
      for (const line of p.lines) {
        const l = line as { msg?: string; ms?: Record<string, number>; remainder?: number };
        if (l?.msg !== msg || typeof l.ms !== 'object') continue;
        for (const [step, ms] of Object.entries(l.ms)) sum[step] = round2((sum[step] ?? 0) + ms / 1000);
        if (typeof l.remainder === 'number')
          sum['remainder_rows'] = (sum['remainder_rows'] ?? 0) + l.remainder;
      }
  return sum;
}

export interface ImportFigures {
  times: StageTimes;
  spans: Record<string, QueueSpan>;
  /** Matcher step seconds summed over chunks (idJoin, decide, write) and remainder rows. */
  matchSteps: Record<string, number>;
  /** raiseAlerts step seconds (batches, groups, states, window, …, attach). */
  alertSteps: Record<string, number>;
  /** import job step seconds (readMapCopy, analyze, duplicates, delta, plan, commit). */
  stagingSteps: Record<string, number>;
  counts: Record<string, number>;
  matches: Record<string, number>;
  signals: Record<string, number>;
}

export async function importFigures(
  ctx: AppContext,
  importId: number,
  sets: readonly WorkerSet[],
): Promise<ImportFigures> {
  const { db } = ctx.database;
  const imp = await db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
  const chunks = await db
    .selectFrom('import_chunks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('import_id', '=', importId)
    .where('stage', '=', 'match')
    .executeTakeFirst();
  const spans = queueSpans(sets);
  const done = (q: string) => (spans[q] && Number.isFinite(spans[q].lastDone) ? spans[q].lastDone : null);
  const created = new Date(imp.created_at).getTime();
  const importStart =
    spans['import'] && Number.isFinite(spans['import'].firstStart) ? spans['import'].firstStart : null;
  const span = (a: number | null, b: number | null) =>
    a === null || b === null ? null : round2((b - a) / 1000);
  const matches = await db
    .selectFrom('matches')
    .select(['method', (eb) => eb.fn.countAll<number>().as('n')])
    .where('import_id', '=', importId)
    .groupBy('method')
    .execute();
  const signals = await db
    .selectFrom('signals')
    .select(['code', (eb) => eb.fn.countAll<number>().as('n')])
    .where('import_id', '=', importId)
    .groupBy('code')
    .execute();
  const { rows: alertRows } = await sql<{ alerts: number; tasks: number }>`
    select (select count(*)::int from alerts) as alerts, (select count(*)::int from tasks) as tasks`.execute(
    db,
  );
  return {
    times: {
      queued: span(created, importStart),
      staging: span(importStart, done('import')),
      match: span(done('import'), done('match')),
      evaluate: span(done('match'), done('evaluate')),
      alerts: span(done('evaluate'), done('raiseAlerts')),
      pipeline: span(created, done('raiseAlerts')),
    },
    spans,
    matchSteps: stageSteps(sets, 'rows matched'),
    alertSteps: stageSteps(sets, 'alerts raised'),
    stagingSteps: stageSteps(sets, 'import staged'),
    counts: {
      rows_read: imp.rows_read,
      rows_accepted: imp.rows_accepted,
      rows_rejected: imp.rows_rejected,
      rows_duplicate: imp.rows_duplicate,
      match_chunks: Number(chunks?.n ?? 0),
      alerts: alertRows[0]?.alerts ?? 0,
      tasks: alertRows[0]?.tasks ?? 0,
    },
    matches: Object.fromEntries(matches.map((m) => [m.method, Number(m.n)])),
    signals: Object.fromEntries(signals.map((s) => [s.code, Number(s.n)])),
  };
}

/** Highest sampled RSS of any replica in [from, to] (epoch ms), MB. */
export function peakRssBetween(set: WorkerSet, from: number | null, to: number | null): number | null {
  if (from === null || to === null) return null;
  let peak = 0;
  for (const p of set.procs)
    for (const [t, mb] of p.stats.timeline) if (t >= from && t <= to) peak = Math.max(peak, mb);
  return round2(peak);
}

/**
 * Experiment (not the product's behaviour): hold the match queue until the import is STAGED, run
 * ANALYZE staged_rows, then let matching start. Simulates "ANALYZE at the end of the import job"
 * and includes its cost in the pipeline time (plus ≤ 50 ms of polling).
 */
export async function analyzeBeforeMatch(
  ctx: AppContext,
  runtime: Runtime,
  importId: number,
): Promise<number> {
  for (;;) {
    const imp = await ctx.database.db
      .selectFrom('imports')
      .select('status')
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    if (imp.status !== 'QUEUED' && imp.status !== 'STAGING') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const t = performance.now();
  await ctx.database.pool.query('analyze staged_rows');
  const seconds = (performance.now() - t) / 1000;
  await runtime.queues.match.resume();
  return round2(seconds);
}

export const perSecond = (rows: number, seconds: number | null): number | null =>
  seconds === null || seconds <= 0 ? null : Math.round(rows / seconds);
