// Fault tests (issue 15): the services under the worker lose what they held in the middle of an
// import, and nobody but the worker puts it right.
//   - Redis restarted empty (no persistence) mid-matching: the jobs the relay had dispatched are
//     gone; the worker's relay, on reconnecting, sends again the unfinished ones (same job ids).
//   - Redis flushed mid-evaluation (no reconnect): the relay's periodic reconcile does the same.
//   - Postgres backends of the worker terminated mid-transaction (pg_terminate_backend) during
//     staging, matching and evaluation: the job fails, BullMQ retries it with backoff, the worker
//     process lives on.
// Each disturbed run's final state is compared as sets with an undisturbed run of the same input
// (faults.fixture.ts finalState).
import { rm } from 'node:fs/promises';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../harness/app.ts';
import { startPrivateRedis, type PrivateRedis } from '../harness/redis-server.ts';
import {
  chunksDone,
  finalState,
  faultSession,
  generatedHrInput,
  kill,
  stateDiff,
  until,
  type RunInput,
  type WorkerProcess,
} from './faults.fixture.ts';

const PERSONS = 2000;
const CHUNK_ROWS = '4000';

let dir: string;
let input: RunInput;
let baseline: Record<string, string[]>;
let redis: PrivateRedis;
const session = faultSession(CHUNK_ROWS);

const run = () => session.run(input);
const worker = session.worker;
const finished = (app: TestApp, importId: number) => session.finished(app, importId, 50_000);

function resent(w: WorkerProcess): number {
  return w.lines
    .filter((l) => l.line.msg === 'outbox: jobs Redis had lost sent again')
    .reduce((n, l) => n + Number(l.line.resent), 0);
}

beforeAll(async () => {
  ({ dir, input } = await generatedHrInput(PERSONS));
  // Redis as a cache would run it: nothing saved, a restart comes back empty
  redis = await startPrivateRedis([]);
  const { app, importId } = await run();
  const w = worker(app);
  await finished(app, importId);
  baseline = await finalState(app);
  await kill(w, 'SIGTERM');
  expect(baseline.signals!.length).toBeGreaterThan(50);
  expect(baseline.tasks!.length).toBeGreaterThan(5);
}, 120_000);

afterAll(async () => {
  await session.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe.sequential('Redis loses the jobs the relay had dispatched', () => {
  it('restarted empty mid-matching: on reconnecting, the relay sends the unfinished jobs again', async () => {
    const { app, importId } = await run();
    // no periodic reconcile within the test: only the reconnect can put it right
    const w = worker(app, { REDIS_URL: redis.url, OUTBOX_RECONCILE_MS: '3600000' });
    await until('matching under way', async () => (await chunksDone(app, importId, 'match')) >= 1, 50_000);
    await redis.stop();
    await redis.start();
    await finished(app, importId);
    expect(resent(w)).toBeGreaterThan(0);
    expect(w.child.exitCode).toBeNull();
    await kill(w, 'SIGTERM');
    expect(stateDiff(baseline, await finalState(app))).toEqual({});
  }, 60_000);

  it('flushed mid-evaluation (no reconnect): the periodic reconcile sends them again', async () => {
    const { app, importId } = await run();
    const w = worker(app, { REDIS_URL: redis.url, OUTBOX_RECONCILE_MS: '1000' });
    await until(
      'evaluation under way',
      async () => (await chunksDone(app, importId, 'evaluate')) >= 1,
      50_000,
    );
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    await finished(app, importId);
    expect(resent(w)).toBeGreaterThan(0);
    await kill(w, 'SIGTERM');
    expect(stateDiff(baseline, await finalState(app))).toEqual({});
  }, 60_000);
});

/**
 * Terminates those of the worker's backends on this test's database that are inside a
 * transaction (running a statement or between two); how many.
 */
async function terminateMidTransaction(app: TestApp): Promise<number> {
  const { rows } = await sql<{ terminated: boolean }>`
    select pg_terminate_backend(pid) as terminated
      from pg_stat_activity
     where datname = current_database() and application_name = 'worker' and pid <> pg_backend_pid()
       and xact_start is not null and state in ('active', 'idle in transaction')
       -- not the worker's outbox relay, whose transaction (select … for update skip locked, the
       -- Redis add, update) is retried by the relay itself and fails no job: only a stage's own
       and query not like '%from "outbox"%for update skip locked%' and query not like 'update "outbox"%'`.execute(
    app.ctx.database.db,
  );
  return rows.filter((r) => r.terminated).length;
}

/** The queues of the jobs the worker is running now, as its log says (started, not yet ended). */
function runningQueues(w: WorkerProcess): Set<string> {
  const running = new Map<string, string>();
  for (const { line } of w.lines) {
    const id = String(line.jobId);
    if (line.msg === 'job started') running.set(id, String(line.queue));
    else if (line.msg === 'job done' || line.msg === 'job failed') running.delete(id);
  }
  return new Set(running.values());
}

/** Each point: the moment the worker runs jobs of that queue only. */
const TERMINATE_POINTS = [
  { point: 'staging', queue: 'import' },
  { point: 'matching', queue: 'match' },
  { point: 'evaluating', queue: 'evaluate' },
];

describe.sequential("the worker's Postgres backends terminated mid-transaction", () => {
  for (const t of TERMINATE_POINTS) {
    it(`during ${t.point}: the job is retried with backoff, the worker lives on, the same final state`, async () => {
      const { app, importId } = await run();
      const w = worker(app);
      // the first moment one of its backends is mid-transaction while it runs that stage only
      // (polled: transactions come and go)
      // (polled: transactions come and go). A termination that hits no job's transaction — one
      // between two statements outside the stage's, such as its progress write after commit —
      // fails no job; then terminate again at the next such moment, until a job of the stage failed
      const stageJobFailed = () =>
        w.lines.some((l) => l.line.msg === 'job failed' && l.line.queue === t.queue);
      await until(
        `a ${t.point} transaction`,
        async () => {
          if (stageJobFailed()) return true;
          const queues = runningQueues(w);
          if (queues.size === 1 && queues.has(t.queue)) await terminateMidTransaction(app);
          return false;
        },
        50_000,
      );
      await finished(app, importId);
      // a failed attempt, then a later one of the same job
      const failed = w.lines.filter((l) => l.line.msg === 'job failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.map((f) => f.line.queue)).toContain(t.queue);
      expect(w.lines.some((l) => l.line.msg === 'job started' && Number(l.line.attempt) >= 2)).toBe(true);
      expect(w.child.exitCode).toBeNull();
      await kill(w, 'SIGTERM');
      expect(stateDiff(baseline, await finalState(app))).toEqual({});
    }, 60_000);
  }
});
