// Fault injection: Redis stops in the middle of an import and comes back (its append-only file
// kept). The pipeline carries on where it was: the import finishes once, with every row matched
// once and no doubled alert or task (Postgres holds the truth; the outbox re-sends what Redis
// lost). A private redis-server, so the shared one is never stopped.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handlers } from '@ew/pipeline/handlers';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { createTestApp, type TestApp } from '../harness/app.ts';
import { startPrivateRedis, type PrivateRedis } from '../harness/redis-server.ts';
import { hrFile } from '../../packages/pipeline/src/imports/poison-input.fixture.ts';
import { waitForImports } from './helpers.ts';

let app: TestApp;
let redis: PrivateRedis;
let runtime: Runtime;
beforeAll(async () => {
  app = await createTestApp();
  redis = await startPrivateRedis([
    '--appendonly',
    'yes',
    '--dir',
    app.dir,
    '--maxmemory-policy',
    'noeviction',
  ]);
  runtime = startRuntime(app.ctx, {
    redisUrl: redis.url,
    prefix: app.queuePrefix,
    consume: ['import', 'match', 'evaluate', 'raiseAlerts'],
    handlers,
    relayIntervalMs: 200,
  });
});
afterAll(async () => {
  await runtime?.close();
  await redis?.stop();
  await app?.close();
});

it('an import survives a Redis restart in the middle of staging', async () => {
  const rows = 30_000;
  const path = join(app.dir, 'hr-2023-03.csv');
  await writeFile(path, hrFile(rows));
  const request = await requestImport(app.ctx, {
    feed: 'hr',
    period: '2023-03',
    file: path,
    requestedBy: 'test',
  });
  if (request.outcome !== 'QUEUED') throw new Error(request.outcome);
  const { importId } = request;
  await runtime.relay();
  const db = app.ctx.database.db;
  const status = async () =>
    (await db.selectFrom('imports').select('status').where('id', '=', importId).executeTakeFirstOrThrow())
      .status;
  // the import job has started: its staging transaction is open (QUEUED until it commits)
  for (let i = 0; i < 500 && (await runtime.queues.import.getActiveCount()) === 0; i++)
    await new Promise((r) => setTimeout(r, 10));

  await redis.stop();
  const during = await status();
  await new Promise((r) => setTimeout(r, 2_000));
  await redis.start();

  expect(await waitForImports(app.ctx, runtime, [importId], 90_000)).toEqual({ [importId]: 'EVALUATED' });
  const counts = await sql<{
    distinct_staged: number;
    matched: number;
    distinct_matched: number;
    doubled_tasks: number;
  }>`
    select (select count(*) from staged_rows where import_id = ${importId} and duplicate_of is null)::int as distinct_staged,
           (select count(*) from matches where import_id = ${importId})::int as matched,
           (select count(distinct row_no) from matches where import_id = ${importId})::int as distinct_matched,
           (select count(*) from (select household_id from tasks where status <> 'CLOSED'
                                   group by household_id having count(*) > 1) d)::int as doubled_tasks`.execute(
    db,
  );
  const c = counts.rows[0]!;
  expect(during).toBe('QUEUED'); // Redis went away while the file was being staged
  expect(c.distinct_staged).toBeGreaterThan(0);
  expect(c).toEqual({
    distinct_staged: c.distinct_staged,
    matched: c.distinct_staged,
    distinct_matched: c.distinct_staged,
    doubled_tasks: 0,
  });
}, 120_000);
