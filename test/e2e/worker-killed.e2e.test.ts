// Fault injection: the worker staging an import is killed (SIGKILL, mid-transaction). Postgres
// rolls its transaction back; once the job's lock lapses another worker finds the job stalled and
// runs it again, and the import finishes once: every distinct row staged and matched once, no
// doubled task. (Job locks shortened from 120 s to 3 s for the test.)
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { childEnv, createTestApp, type TestApp } from '../harness/app.ts';
import { deliverHr, hrFile } from '../../packages/pipeline/src/imports/poison-input.fixture.ts';
import { importStatus, untilImportJobActive, waitForImports, writtenByImport } from './helpers.ts';

let app: TestApp;
let producer: Runtime;
let survivor: Runtime | undefined;
let child: ChildProcess | undefined;
beforeAll(async () => {
  app = await createTestApp();
  // this process only relays and reads the queues until the killed worker is gone
  producer = startRuntime(app.ctx, {
    redisUrl: app.redisUrl,
    prefix: app.queuePrefix,
    consume: [],
    handlers,
  });
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await survivor?.close();
  await producer?.close();
  await app?.close();
});

it('an import whose worker is killed mid-staging is finished by another worker, once', async () => {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'worker-process.fixture.ts')],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: childEnv(app),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((r) => child!.once('exit', r));
  await new Promise<void>((resolve) =>
    child!.stdout!.on('data', (d: Buffer) => d.includes('ready') && resolve()),
  );

  const importId = await deliverHr(app, 'hr-2023-03.csv', hrFile(60_000));
  await untilImportJobActive(producer);
  await new Promise((r) => setTimeout(r, 150)); // into the staging transaction
  child.kill('SIGKILL');
  await exited;
  expect(await importStatus(app, importId)).toBe('QUEUED'); // killed before staging committed

  survivor = startRuntime(app.ctx, {
    redisUrl: app.redisUrl,
    prefix: app.queuePrefix,
    consume: ['import', 'match', 'evaluate', 'raiseAlerts'],
    handlers,
    relayIntervalMs: 200,
    lockDurationMs: 3_000,
    stalledIntervalMs: 1_000,
  });
  expect(await waitForImports(app.ctx, survivor, [importId], 90_000)).toEqual({ [importId]: 'EVALUATED' });
  const written = await writtenByImport(app.ctx, importId);
  expect(written).toEqual({
    staged: 60_000,
    distinctStaged: written.distinctStaged,
    matched: written.distinctStaged,
    distinctMatched: written.distinctStaged,
    doubledOpenTasks: 0,
  });
  // BullMQ saw it stalled once (the killed run) and a second run finished it
  const job = (await producer.queues.import.getCompleted()).find((j) => j.data?.importId === importId);
  expect({ stalled: job?.stalledCounter, started: job?.attemptsStarted }).toEqual({ stalled: 1, started: 2 });
}, 120_000);
