// The outbox relay against real Postgres and Redis: reconcileOutbox sends again, under the same
// job id, a dispatched job Redis lost, and leaves alone a finished one, one Redis still holds,
// and one the caller says is running.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestDatabase,
  testQueuePrefix,
  testRedisUrl,
  type TestDatabase,
} from '../../../test/harness/db.ts';
import {
  installationId,
  markJobFinished,
  queueJobId,
  reconcileOutbox,
  recordJob,
  relayOutbox,
} from './outbox.ts';

let tdb: TestDatabase;
let redis: Redis;
let queue: Queue;
beforeAll(async () => {
  tdb = await createTestDatabase();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  queue = new Queue('import', { connection: redis, prefix: testQueuePrefix() });
});
afterAll(async () => {
  await queue?.obliterate({ force: true });
  await queue?.close();
  redis?.disconnect();
  await tdb?.drop();
});

it('re-adds the dispatched, unfinished jobs Redis no longer holds, and only those', async () => {
  for (const importId of [1, 2, 3, 4]) await recordJob(tdb.db, 'import', { importId });
  expect(await relayOutbox(tdb.db, { import: queue })).toBe(4);
  const installation = await installationId(tdb.db);
  const id = (n: number) => queueJobId(`import-${n}`, installation);

  await markJobFinished(tdb.db, id(1)); // ran to its end
  for (const n of [1, 2, 4]) await queue.remove(id(n)); // Redis forgot 1, 2 and 4; still holds 3
  const running = id(4); // running in this process: not lost
  expect(await reconcileOutbox(tdb.db, { import: queue }, { skip: (j) => j === running })).toBe(1);
  expect(await queue.getJobState(id(1))).toBe('unknown');
  expect(await queue.getJobState(id(2))).toBe('waiting');
  expect((await queue.getJob(id(2)))?.data).toEqual({ importId: 2 });
  expect(await queue.getJobState(id(3))).toBe('waiting');
  expect(await queue.getJobState(id(4))).toBe('unknown');

  // nothing more to do: a second pass re-adds nothing
  expect(await reconcileOutbox(tdb.db, { import: queue })).toBe(1); // job 4, no longer skipped
  expect(await reconcileOutbox(tdb.db, { import: queue })).toBe(0);
  const finished = await tdb.db
    .selectFrom('outbox')
    .select(['job_id', 'finished_at'])
    .orderBy('id')
    .execute();
  expect(finished.map((r) => [r.job_id, r.finished_at !== null])).toEqual([
    ['import-1', true],
    ['import-2', false],
    ['import-3', false],
    ['import-4', false],
  ]);
});
