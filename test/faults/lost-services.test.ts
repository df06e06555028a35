// Fault tests (issue 15): the services under the worker lose what they held in the middle of an
// import, and nobody but the worker puts it right.
//   - Redis restarted empty (no persistence) mid-matching: the jobs the relay had dispatched are
//     gone; the worker's relay, on reconnecting, sends again the unfinished ones (same job ids).
//   - Redis flushed mid-evaluation (no reconnect): the relay's periodic reconcile does the same.
//   - Postgres backends of the worker terminated mid-transaction (pg_terminate_backend) during
//     staging, matching and evaluation — held at the stage's first write by a lock the test takes,
//     so the moment is certain: the job fails, BullMQ retries it with backoff, the worker process
//     lives on.
// Each disturbed run's final state is compared as sets with an undisturbed run of the same input
// (faults.fixture.ts finalState).
import { rm } from 'node:fs/promises';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../harness/app.ts';
import { startPrivateRedis, type PrivateRedis } from '../harness/redis-server.ts';
import {
  finalState,
  faultSession,
  generatedHrInput,
  kill,
  stateDiff,
  holdWrites,
  type RunInput,
  type WorkerProcess,
} from './faults.fixture.ts';

const PERSONS = 800;
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
    // matching held at its first write, so jobs are certainly unfinished when Redis goes
    const held = await holdWrites(app, 'matches');
    // no periodic reconcile within the test: only the reconnect can put it right
    const w = worker(app, { REDIS_URL: redis.url, OUTBOX_RECONCILE_MS: '3600000' });
    await held.whileWaiting(async () => {
      await redis.stop();
      await redis.start();
    });
    await finished(app, importId);
    expect(resent(w)).toBeGreaterThan(0);
    expect(w.child.exitCode).toBeNull();
    await kill(w, 'SIGTERM');
    expect(stateDiff(baseline, await finalState(app))).toEqual({});
  }, 60_000);

  it('flushed mid-evaluation (no reconnect): the periodic reconcile sends them again', async () => {
    const { app, importId } = await run();
    const held = await holdWrites(app, 'signals');
    const w = worker(app, { REDIS_URL: redis.url, OUTBOX_RECONCILE_MS: '1000' });
    await held.whileWaiting(async () => {
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
    });
    await finished(app, importId);
    expect(resent(w)).toBeGreaterThan(0);
    await kill(w, 'SIGTERM');
    expect(stateDiff(baseline, await finalState(app))).toEqual({});
  }, 60_000);
});

/** Terminates the worker's backends that wait for the test's lock; how many. */
async function terminateWaiting(app: TestApp): Promise<number> {
  const { rows } = await sql<{ terminated: boolean }>`
    select pg_terminate_backend(pid) as terminated
      from pg_stat_activity
     where datname = current_database() and application_name = 'worker'
       and wait_event_type = 'Lock' and xact_start is not null`.execute(app.ctx.database.db);
  return rows.filter((r) => r.terminated).length;
}

/** Each point: the stage's queue and the table its transaction writes. */
const TERMINATE_POINTS = [
  { point: 'staging', queue: 'import', table: 'staged_rows' },
  { point: 'matching', queue: 'match', table: 'matches' },
  { point: 'evaluating', queue: 'evaluate', table: 'signals' },
];

describe.sequential("the worker's Postgres backends terminated mid-transaction", () => {
  for (const t of TERMINATE_POINTS) {
    it(`during ${t.point}: the job is retried with backoff, the worker lives on, the same final state`, async () => {
      const { app, importId } = await run();
      const held = await holdWrites(app, t.table);
      const w = worker(app);
      const terminated = await held.whileWaiting(() => terminateWaiting(app));
      expect(terminated).toBeGreaterThan(0);
      await finished(app, importId);
      // a failed attempt, then a later one of the same job
      const failed = w.lines.filter((l) => l.line.msg === 'job failed');
      // only the stage's: the other stages (matching and evaluation overlap, chunk by chunk) do
      // not write the held table
      expect(new Set(failed.map((f) => f.line.queue))).toEqual(new Set([t.queue]));
      expect(w.lines.some((l) => l.line.msg === 'job started' && Number(l.line.attempt) >= 2)).toBe(true);
      expect(w.child.exitCode).toBeNull();
      await kill(w, 'SIGTERM');
      expect(stateDiff(baseline, await finalState(app))).toEqual({});
    }, 60_000);
  }
});
