// A later delivery of a feed is compared with the previous one (new / changed / gone rows). That
// comparison must cost about what staging the rows costs — it is a join on the row key — not
// grow with the square of the rows. Speed is a bench matter; this test checks the counts and
// prints both times.
//
// Regression: the comparison ran before any ANALYZE, so the planner took the new import for
// one row and chose a nested loop over the whole import (12,000 rows: ~45 s instead of ~0.07 s).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importReport } from '@ew/pipeline/imports/import-report';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { stageImport } from '@ew/pipeline/imports/stage-import';
import { generate } from '../generator/index.ts';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { createTestApp, type TestApp } from '../harness/app.ts';

const ROWS = 5000;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await markRegisterApplied(app.ctx.database.db);
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 60_000);

async function stage(file: string, period: string): Promise<{ importId: number; ms: number }> {
  const request = await requestImport(app.ctx, { feed: 'hr', period, file, requestedBy: 'e2e' });
  if (request.outcome !== 'QUEUED') throw new Error(`not queued: ${request.outcome}`);
  const started = Date.now();
  await stageImport(app.ctx, { importId: request.importId });
  return { importId: request.importId, ms: Date.now() - started };
}

describe('delivery delta', () => {
  it(`compares a ${ROWS}-row delivery with the previous one (speed: pnpm bench import)`, async () => {
    const dir = join(app.dir, 'gen');
    await generate({ out: dir, persons: 3000, seed: 3, rows: { hr: ROWS }, feeds: ['hr'] });
    const first = await stage(join(dir, 'hr.csv'), '2023-03-31');
    const again = join(app.dir, 'hr-april.csv');
    await copyFile(join(dir, 'hr.csv'), again);
    const second = await stage(again, '2023-04-30');
    const report = (await importReport(app.ctx.database.db, second.importId))!;
    console.log(
      `delivery delta: first delivery staged in ${first.ms} ms, the same rows again in ${second.ms} ms`,
    );
    expect(report.delta).toMatchObject({ previousImportId: first.importId, new: 0, changed: 0, gone: 0 });
  }, 120_000);
});
