// Input that can never succeed, through the real queues (Postgres and Redis): the import is
// refused or failed with the reason (naming the delivered file, not the store path), its job
// fails once as UnrecoverableError (no retries), and the period is free for a corrected file.
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { installationId, queueJobId } from '@ew/queue';
import { createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { waitForImports } from '../../../../test/e2e/helpers.ts';
import { handlers } from '../handlers.ts';
import { deliverHr, hrFile, usePipeline } from './poison-input.fixture.ts';

const t = usePipeline();

const deliver = (name: string, content: string, period = '2023-03', on: TestApp = t.app) =>
  deliverHr(on, name, content, { period });

const readImport = (id: number, on: TestApp = t.app) =>
  on.ctx.database.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('poison input', () => {
  it('a NUL byte past the first 64 KiB: refused with file, row and column; one attempt; period freed', async () => {
    const rows = 3_000; // ~190 KiB
    const importId = await deliver('hr-2023-03.csv', hrFile(rows, rows));
    expect(await waitForImports(t.app.ctx, t.runtime, [importId], 30_000)).toEqual({ [importId]: 'REFUSED' });

    const imp = await readImport(importId);
    expect(imp.error_code).toBe('FILE_BINARY');
    expect(imp.error_message).toMatch(
      /^FILE_BINARY: file "hr-2023-03\.csv", line 3000, column "业务类型": .*NUL byte/,
    );
    expect(imp.error_message).not.toContain(imp.stored_path);
    expect(imp.error_message).not.toContain(t.app.ctx.fileStoreDir);
    const staged = await t.app.ctx.database.db
      .selectFrom('staged_rows')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('import_id', '=', importId)
      .executeTakeFirstOrThrow();
    expect(Number(staged.n)).toBe(0);

    // the job failed once, for good, with the same reason
    const job = await t.runtime.queues.import.getJob(
      queueJobId(`import-${importId}`, await installationId(t.app.ctx.database.db)),
    );
    for (let i = 0; i < 50 && (await job!.getState()) !== 'failed'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const failed = await t.runtime.queues.import.getJob(job!.id!);
    expect(await failed!.getState()).toBe('failed');
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toBe(imp.error_message);

    // a corrected file for the same feed and period needs no --replace
    const corrected = await deliver('hr-2023-03-corrected.csv', hrFile(rows));
    expect(await waitForImports(t.app.ctx, t.runtime, [corrected], 60_000)).toEqual({
      [corrected]: 'EVALUATED',
    });
    expect((await readImport(corrected)).replaces_import_id).toBeNull();
  });

  it('a stored file that is gone: retried, and FAILED on the last attempt with a reason', async () => {
    // no runtime on this database: the handler is called as the runtime would call it
    const own = await createTestApp();
    try {
      const importId = await deliver('hr-2023-04.csv', hrFile(5), '2023-04', own);
      const imp = await readImport(importId, own);
      await rm(imp.stored_path);
      const control = (finalAttempt: boolean) => ({ reportProgress: async () => undefined, finalAttempt });

      await expect(handlers.import(own.ctx, { importId }, control(false))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      expect((await readImport(importId, own)).status).toBe('QUEUED'); // a retry may still find it

      await expect(handlers.import(own.ctx, { importId }, control(true))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      const after = await readImport(importId, own);
      expect(after).toMatchObject({ status: 'FAILED', error_code: 'STORED_FILE_MISSING' });
      expect(after.error_message).toContain('"hr-2023-04.csv"');
      expect(after.error_message).not.toContain(imp.stored_path);

      // and the period is free again
      expect(await deliver('hr-2023-04-again.csv', hrFile(6), '2023-04', own)).toBeGreaterThan(importId);
    } finally {
      await own.close();
    }
  });
});
