// Fault tests' harness (not a test file): worker processes started and killed by pid against a
// test's own database and Redis prefix, and the pipeline's final state read back as sets, so a
// disturbed run can be compared with an undisturbed run of the same input.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { repoRoot } from '@ew/config';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { importRegister } from '@ew/pipeline/register/register-import';
import { feedMapping } from '@ew/pipeline/context';
import { createTestApp, type TestApp } from '../harness/app.ts';
import { generate } from '../generator/index.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON log line the worker printed, with the time it was read. */
  lines: Array<{ at: number; line: Record<string, unknown> }>;
  exited: Promise<number | null>;
}

/** The queues of a feed import (the register follow-up is not part of it). */
export const FEED_QUEUES = 'import,match,evaluate,raiseAlerts';

export function startWorker(app: TestApp, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot(), 'services/worker/src/main.ts')],
    {
      cwd: repoRoot(),
      env: {
        ...process.env,
        DATABASE_URL: app.tdb.url,
        REDIS_URL: app.redisUrl,
        QUEUE_PREFIX: app.queuePrefix,
        FILE_STORE_DIR: app.ctx.fileStoreDir,
        WORKER_QUEUES: FEED_QUEUES,
        // no probe server: several workers run on this host at once
        WORKER_HTTP_PORT: '0',
        MIGRATE_ON_START: 'false',
        LOG_LEVEL: 'info',
        // a short lock, so a killed worker's job is taken over in seconds (the handlers' steps await
        // Postgres; nothing holds the event loop for long)
        WORKER_LOCK_MS: '4000',
        WORKER_STALLED_CHECK_MS: '1000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: WorkerProcess['lines'] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push({ at: Date.now(), line: JSON.parse(text) as Record<string, unknown> });
      } catch {
        // not a log line
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, lines, exited };
}

export async function kill(
  worker: WorkerProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<number | null> {
  if (worker.child.exitCode === null) worker.child.kill(signal);
  return worker.exited;
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunInput {
  registerFile: string;
  asOf: string;
  feed: string;
  period: string;
  feedFile: string;
}

/**
 * A generated register of `persons` and an hr feed of 20 rows per person for 2023-03-31, in a new
 * scratch directory (the caller removes it): large enough that each stage has several chunks.
 */
export async function generatedHrInput(persons: number): Promise<{ dir: string; input: RunInput }> {
  const dir = await mkdtemp(join(tmpdir(), 'ew-faults-'));
  await generate({ out: dir, persons, seed: 7, format: 'csv', feeds: ['hr'], rows: { hr: persons * 20 } });
  const period = '2023-03-31';
  return {
    dir,
    input: {
      registerFile: join(dir, 'register.csv'),
      asOf: period,
      feed: 'hr',
      period,
      feedFile: join(dir, 'hr.csv'),
    },
  };
}

/** Loads the input's register into the app's database (applied: feeds can be matched). */
export async function loadRegister(app: TestApp, input: RunInput): Promise<void> {
  await importRegister(
    { database: app.ctx.database, mapping: feedMapping(app.ctx, 'register'), logger: app.ctx.logger },
    input.registerFile,
    { asOf: input.asOf },
  );
}

/** A fresh database with the register loaded and one feed import requested (in the outbox). */
export async function preparedRun(input: RunInput): Promise<{ app: TestApp; importId: number }> {
  const app = await createTestApp();
  await loadRegister(app, input);
  const request = await requestImport(app.ctx, {
    feed: input.feed,
    period: input.period,
    file: input.feedFile,
    requestedBy: 'fault-test',
  });
  if (request.outcome !== 'QUEUED') throw new Error(`import not queued: ${request.outcome}`);
  return { app, importId: request.importId };
}

export async function importStatus(app: TestApp, importId: number): Promise<string> {
  const row = await app.ctx.database.db
    .selectFrom('imports')
    .select('status')
    .where('id', '=', importId)
    .executeTakeFirstOrThrow();
  return row.status;
}

/**
 * Holds a lock on the table a stage writes (EXCLUSIVE: others may read it, nobody may write it) in
 * a transaction of the test's own, so that the stage's transaction stops at its first write and
 * waits there: a moment that is certainly mid-transaction, however fast the stage runs. Take it
 * before the worker starts; `whileWaiting` runs the fault once a worker backend waits for the lock,
 * then lets the stage go on.
 */
export async function holdWrites(app: TestApp, table: string) {
  const client = new pg.Client({ connectionString: app.tdb.url, application_name: 'fault-test' });
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${table} in exclusive mode`);
  const release = async () => {
    await client.query('commit');
    await client.end();
  };
  return {
    whileWaiting: async <T>(fault: () => Promise<T>): Promise<T> => {
      try {
        await until(`a transaction waiting to write ${table}`, () => waitingBackends(app), 50_000);
        return await fault();
      } finally {
        await release();
      }
    },
  };
}

/** Whether one of the worker's backends waits for a lock (the test's). */
async function waitingBackends(app: TestApp): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and application_name = 'worker' and wait_event_type = 'Lock'`.execute(
    app.ctx.database.db,
  );
  return (rows[0]?.n ?? 0) > 0;
}

/**
 * The pipeline's final state as sets of natural keys (no database ids, which differ between
 * runs): staged rows, matches, signals with their source row, alerts and tasks per household.
 */
export async function finalState(app: TestApp): Promise<Record<string, string[]>> {
  const db = app.ctx.database.db;
  const q = async (text: ReturnType<typeof sql<{ k: string }>>) =>
    (await text.execute(db)).rows.map((r) => r.k).sort();
  return {
    staged: await q(sql<{ k: string }>`select row_no || '|' || row_hash as k from staged_rows`),
    matches: await q(sql<{ k: string }>`
      select m.row_no || '|' || m.method || '|' || coalesce(p.id_number, '-') as k
        from matches m left join persons p on p.id = m.person_id`),
    signals: await q(sql<{ k: string }>`
      select s.feed || '|' || s.code || '|' || s.source_period || '|' || coalesce(p.id_number, h.household_no) || '|' || coalesce(s.row_no::text, '-') || '|' || s.severity as k
        from signals s join households h on h.id = s.household_id left join persons p on p.id = s.person_id`),
    alerts: await q(sql<{ k: string }>`
      select h.household_no || '|' || a.severity || '|' || a.status || '|' ||
             (select count(*) from alert_signals l where l.alert_id = a.id) as k
        from alerts a join households h on h.id = a.household_id`),
    tasks: await q(sql<{ k: string }>`
      select h.household_no || '|' || t.status || '|' || t.severity || '|' || array_to_string(t.codes, ',') as k
        from tasks t join households h on h.id = t.household_id`),
    taskEvents: await q(sql<{ k: string }>`
      select h.household_no || '|' || e.action || '|' || count(*) as k
        from task_events e join tasks t on t.id = e.task_id join households h on h.id = t.household_id
       group by h.household_no, e.action`),
  };
}

/** Per set: what only one side has (empty on both sides when the runs agree). */
export function stateDiff(
  a: Record<string, string[]>,
  b: Record<string, string[]>,
): Record<string, { onlyA: string[]; onlyB: string[] }> {
  const out: Record<string, { onlyA: string[]; onlyB: string[] }> = {};
  for (const key of Object.keys(a)) {
    const sa = new Set(a[key]);
    const sb = new Set(b[key] ?? []);
    const onlyA = [...sa].filter((x) => !sb.has(x));
    const onlyB = [...sb].filter((x) => !sa.has(x));
    if (onlyA.length > 0 || onlyB.length > 0)
      out[key] = { onlyA: onlyA.slice(0, 5), onlyB: onlyB.slice(0, 5) };
  }
  return out;
}

/**
 * The runs and workers one fault-test file starts: every worker with the file's chunk size, all
 * of them killed and every run's database dropped by `close` (in the file's afterAll).
 */
export function faultSession(chunkRows: string) {
  const opened: TestApp[] = [];
  const workers: WorkerProcess[] = [];
  return {
    run: async (input: RunInput): Promise<{ app: TestApp; importId: number }> => {
      const r = await preparedRun(input);
      opened.push(r.app);
      return r;
    },
    worker: (app: TestApp, env?: Record<string, string>): WorkerProcess => {
      const w = startWorker(app, { PIPELINE_CHUNK_ROWS: chunkRows, ...env });
      workers.push(w);
      return w;
    },
    /** Until the import is EVALUATED (its alerts raised). */
    finished: async (app: TestApp, importId: number, timeoutMs: number): Promise<void> => {
      await until('EVALUATED', async () => (await importStatus(app, importId)) === 'EVALUATED', timeoutMs);
    },
    close: async (): Promise<void> => {
      for (const w of workers) await kill(w).catch(() => undefined);
      for (const app of opened) await app.close();
    },
  };
}
