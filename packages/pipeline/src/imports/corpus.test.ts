// The broken-file corpus through the real import job (requestImport → stageImport, as the API
// upload and the worker run it): each file is refused whole with a message naming the delivered
// file (never a server path) and, where it applies, the row and column — or accepted with every
// row accounted for (rows read = accepted + rejected; every reject names row, column and reason).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRegisterApplied } from './imports.fixture.ts';
import { CORPUS } from '@ew/ingest/corpus.fixture';
import { createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { requestImport } from './request-import.ts';
import { stageImport } from './stage-import.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await markRegisterApplied(app.ctx.database.db); // a feed is refused until a register is loaded
});
afterAll(async () => {
  await app.close();
});

let month = 0;
/** One import per case, each in its own period (no DELIVERY_EXISTS between cases). */
async function deliver(feed: string, fileName: string, bytes: Buffer) {
  // the upload's spool path: a server path the messages must not show
  const path = join(app.dir, `upload-${randomBytes(4).toString('hex')}`);
  await writeFile(path, bytes);
  month++;
  const period = `${2000 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
  const request = await requestImport(app.ctx, { feed, period, file: path, fileName, requestedBy: 'test' });
  if (request.outcome !== 'QUEUED') throw new Error(`not queued: ${request.outcome}`);
  await stageImport(app.ctx, { importId: request.importId });
  return { importId: request.importId, path };
}

describe('the broken-file corpus', () => {
  it('has at least 25 kinds', () => {
    expect(new Set(CORPUS.map((c) => c.kind)).size).toBeGreaterThanOrEqual(25);
  });

  for (const c of CORPUS) {
    const label =
      'refused' in c.expect
        ? `${c.kind} → refused ${c.expect.refused}`
        : `${c.kind} → ${c.expect.read} read, ${c.expect.accepted} accepted`;
    it(label, { timeout: 60_000 }, async () => {
      const db = app.ctx.database.db;
      const { importId, path } = await deliver(c.feed, c.fileName, await c.bytes());
      const imp = await db
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', importId)
        .executeTakeFirstOrThrow();
      const staged = await db
        .selectFrom('staged_rows')
        .select(['row_no', 'name', 'id_status', 'payload'])
        .where('import_id', '=', importId)
        .orderBy('row_no')
        .execute();
      const rejects = await db
        .selectFrom('import_rejects')
        .select(['row_no', 'column_name', 'reason', 'message'])
        .where('import_id', '=', importId)
        .orderBy('row_no')
        .execute();
      const e = c.expect;
      if ('refused' in e) {
        expect({ status: imp.status, code: imp.error_code }).toEqual({ status: 'REFUSED', code: e.refused });
        const message = imp.error_message ?? '';
        expect(message).toContain(`"${c.fileName}"`);
        expect(message).not.toContain(path);
        expect(message).not.toContain(imp.stored_path);
        expect(message).not.toContain(app.dir);
        if (e.row !== undefined) expect(message).toContain(`line ${e.row}`);
        if (e.column !== undefined) expect(message).toContain(`column "${e.column}"`);
        // nothing of it is applied
        expect([staged.length, rejects.length]).toEqual([0, 0]);
        const jobs = await db
          .selectFrom('outbox')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('job_id', 'like', `match-${importId}-%`)
          .executeTakeFirstOrThrow();
        expect(jobs.n).toBe(0);
        return;
      }
      expect({ status: imp.status, error: imp.error_message }).toMatchObject({ error: null });
      expect(['STAGED', 'EVALUATED']).toContain(imp.status);
      expect({ read: imp.rows_read, accepted: imp.rows_accepted }).toEqual({
        read: e.read,
        accepted: e.accepted,
      });
      // every row accounted for: read = accepted + rejected, and the staged rows are the accepted ones
      expect(imp.rows_read).toBe(imp.rows_accepted + imp.rows_rejected);
      expect(staged.length).toBe(e.accepted);
      const byRow: Record<number, string[]> = {};
      for (const r of rejects) (byRow[r.row_no] ??= []).push(r.reason);
      expect(byRow).toEqual(e.rejects ?? {});
      for (const r of rejects) {
        expect(r.row_no).toBeGreaterThan(1);
        if (r.reason !== 'COLUMN_COUNT') expect(r.column_name).toBeTruthy();
        expect(r.message).toBeTruthy();
      }
      for (const [rowNo, want] of Object.entries(e.staged ?? {})) {
        const row = staged.find((s) => s.row_no === Number(rowNo));
        expect(row, `staged row ${rowNo}`).toBeDefined();
        const { payload, ...rest } = want;
        expect(row).toMatchObject(rest);
        if (payload !== undefined) expect(row!.payload).toMatchObject(payload);
      }
    });
  }
});
