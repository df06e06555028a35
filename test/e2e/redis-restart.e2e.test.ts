// Fault injection: Redis stops in the middle of an import and comes back (its append-only file
// kept). The pipeline carries on where it was: the import finishes once, with every row matched
// once and no doubled alert or task (Postgres holds the truth; the outbox re-sends what Redis
// lost). A private redis-server, so the shared one is never stopped.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { createTestApp, type TestApp } from '../harness/app.ts';
import { startPrivateRedis, type PrivateRedis } from '../harness/redis-server.ts';
import { deliverHr, hrFile } from '../../packages/pipeline/src/imports/poison-input.fixture.ts';
import { importStatus, untilImportJobActive, waitForImports, writtenByImport } from './helpers.ts';

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
  const importId = await deliverHr(app, 'hr-2023-03.csv', hrFile(30_000));
  await untilImportJobActive(runtime);
  await redis.stop();
  const during = await importStatus(app, importId);
  await new Promise((r) => setTimeout(r, 2_000));
  await redis.start();

  expect(during).toBe('QUEUED'); // Redis went away while the file was being staged
  expect(await waitForImports(app.ctx, runtime, [importId], 90_000)).toEqual({ [importId]: 'EVALUATED' });
  const written = await writtenByImport(app.ctx, importId);
  expect(written.distinctStaged).toBeGreaterThan(0);
  expect(written).toEqual({
    staged: 30_000,
    distinctStaged: written.distinctStaged,
    matched: written.distinctStaged,
    distinctMatched: written.distinctStaged,
    doubledOpenTasks: 0,
  });
}, 120_000);
