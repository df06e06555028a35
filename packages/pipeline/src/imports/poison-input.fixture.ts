// For the import tests that go through the real queues: HR feed files (clean ones, and one with
// a NUL byte far past the start, which made COPY fail with `invalid byte sequence for encoding
// "UTF8": 0x00`), a runtime consuming the pipeline's queues, and a delivery helper.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markRegisterApplied } from './imports.fixture.ts';
import { afterAll, beforeAll } from 'vitest';
import { idCheckDigit } from '@ew/core';
import { createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { handlers } from '../handlers.ts';
import { startRuntime, type Runtime } from '../runtime.ts';
import { requestImport } from './request-import.ts';

export const HR_HEADER = '公民身份号码,姓名,业务类型,业务日期,月收入';

function id(seq: number): string {
  const first17 = `13080219800102${String(seq % 1000).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

/** `rows` data rows; with `nulOnLine` (header = line 1), that line's 业务类型 cell holds a NUL. */
export function hrFile(rows: number, nulOnLine?: number): string {
  const lines = [HR_HEADER];
  for (let line = 2; line <= rows + 1; line++) {
    lines.push(`${id(line)},张三,${line === nulOnLine ? '失业\0登记' : '失业登记'},2023-03-01,`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A test app for the whole file, with its import stages consumed in this process: set up before
 * the file's tests, closed after them.
 */
export function usePipeline(): { app: TestApp; runtime: Runtime } {
  const t = {} as { app: TestApp; runtime: Runtime };
  beforeAll(async () => {
    t.app = await createTestApp();
    t.runtime = startRuntime(t.app.ctx, {
      redisUrl: t.app.redisUrl,
      prefix: t.app.queuePrefix,
      consume: ['import', 'match', 'evaluate', 'raiseAlerts'],
      handlers,
      relayIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await t.runtime?.close();
    await t.app?.close();
  });
  return t;
}

/** Writes the file and requests its import as the hr feed; the import's id. */
export async function deliverHr(
  app: TestApp,
  name: string,
  content: string,
  options: { period?: string; replace?: boolean } = {},
): Promise<number> {
  const path = join(app.dir, name);
  await writeFile(path, content);
  // a feed is refused until a register has been loaded; these tests stage without matching
  await markRegisterApplied(app.ctx.database.db);
  const result = await requestImport(app.ctx, {
    feed: 'hr',
    period: options.period ?? '2023-03',
    file: path,
    replace: options.replace === true,
    requestedBy: 'test',
  });
  if (result.outcome !== 'QUEUED') throw new Error(`not queued: ${result.outcome}`);
  return result.importId;
}
