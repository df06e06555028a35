// Fault tests (issue 15): a worker process killed with SIGKILL in the middle of staging, matching,
// evaluation and raising alerts; a new worker finishes the import. Each disturbed run's final
// state — staged rows, matches, signals with their source rows, alerts, tasks, task events — is
// compared as sets with an undisturbed run of the same input. How long the new worker waited
// before it took the dead worker's job over is measured and printed. Also: SIGTERM stops a worker
// cleanly (exit 0) and the next one finishes; the same import job delivered twice changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../harness/app.ts';
import { rm } from 'node:fs/promises';
import {
  holdWrites,
  finalState,
  faultSession,
  generatedHrInput,
  importStatus,
  kill,
  stateDiff,
  until,
  type RunInput,
} from './faults.fixture.ts';

const PERSONS = Number(process.env.FAULT_PERSONS ?? 1000);
/** Small chunks, so that every stage has several jobs and can be interrupted between two. */
const CHUNK_ROWS = '4000';

let dir: string;
let input: RunInput;
let baseline: Record<string, string[]>;
let redelivered: Record<string, string[]>;
const session = faultSession(CHUNK_ROWS);
const takeovers: Array<{ point: string; seconds: number }> = [];

const run = () => session.run(input);
const worker = session.worker;
const finished = (app: TestApp, importId: number) => session.finished(app, importId, 180_000);

beforeAll(async () => {
  // each stage is held at its first write to be interrupted (holdWrites), so the feed can be small
  ({ dir, input } = await generatedHrInput(PERSONS));
  const { app, importId } = await run();
  const w = worker(app);
  await finished(app, importId);
  baseline = await finalState(app);
  expect(baseline.signals!.length).toBeGreaterThan(100);
  expect(baseline.tasks!.length).toBeGreaterThan(10);
  // the same import job delivered again after the import finished (a relay that lost track of
  // its dispatch, a Redis that forgot it) changes nothing
  await app.ctx.database.db
    .insertInto('outbox')
    .values({
      queue: 'import',
      job_name: 'import',
      job_id: `import-${importId}-again`,
      payload: JSON.stringify({ importId }),
    })
    .execute();
  await until('outbox drained', async () => {
    const left = await app.ctx.database.db
      .selectFrom('outbox')
      .select('id')
      .where('dispatched_at', 'is', null)
      .execute();
    return left.length === 0;
  });
  await until(
    'the redelivered job handled',
    async () => w.lines.filter((l) => l.line.msg === 'job done' && l.line.queue === 'import').length >= 2,
    60_000,
  );
  redelivered = await finalState(app);
  await kill(w, 'SIGTERM');
}, 300_000);

afterAll(async () => {
  await session.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (takeovers.length > 0) {
    console.log(
      `worker takeover after SIGKILL (lock 4 s, stalled check 1 s):\n${takeovers
        .map(
          (t) =>
            `  ${t.point.padEnd(10)} ${t.seconds.toFixed(1)} s from the kill to the new worker's first job start`,
        )
        .join('\n')}`,
    );
  }
}, 120_000);

/** Where to kill: each stage held at its first write to its table (faults.fixture.ts holdWrites). */
const KILL_POINTS = [
  { point: 'staging', table: 'staged_rows' },
  { point: 'matching', table: 'matches' },
  { point: 'evaluate', table: 'signals' },
  { point: 'alerts', table: 'alerts' },
];

describe.sequential('a worker killed with SIGKILL mid-stage', () => {
  for (const k of KILL_POINTS) {
    it(`during ${k.point}: a new worker finishes, and the final state equals the undisturbed run`, async () => {
      const { app, importId } = await run();
      const held = await holdWrites(app, k.table);
      const first = worker(app);
      const killedAt = await held.whileWaiting(async () => {
        await kill(first, 'SIGKILL');
        return Date.now();
      });
      expect(await importStatus(app, importId)).not.toBe('EVALUATED');
      const second = worker(app);
      await finished(app, importId);
      const start = second.lines.find((l) => l.line.msg === 'job started');
      if (start !== undefined) takeovers.push({ point: k.point, seconds: (start.at - killedAt) / 1000 });
      await kill(second, 'SIGTERM');
      expect(stateDiff(baseline, await finalState(app))).toEqual({});
    }, 300_000);
  }
});

describe.sequential('stopping and redelivery', () => {
  it('SIGTERM: the worker stops taking jobs, lets the current one go, exits 0; the next finishes the same', async () => {
    const { app, importId } = await run();
    const first = worker(app);
    await until(
      'matching under way',
      async () => (await importStatus(app, importId)) === 'MATCHING',
      180_000,
    );
    expect(await kill(first, 'SIGTERM')).toBe(0);
    const second = worker(app);
    await finished(app, importId);
    await kill(second, 'SIGTERM');
    expect(stateDiff(baseline, await finalState(app))).toEqual({});
  }, 300_000);

  it('the same import job delivered again after the import finished changes nothing', () => {
    expect(stateDiff(baseline, redelivered)).toEqual({});
  });
});
