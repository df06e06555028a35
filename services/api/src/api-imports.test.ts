// Imports over HTTP: multipart upload → stored file, import row and relayed BullMQ job; the same
// bytes again; refusals; list, report and the rejects CSV (neutralised, audited); reviews.
import { readdir } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckDigit } from '@ew/core';
import { installationId, queueJobId } from '@ew/queue';
import { addDelivery, addHousehold } from '@ew/pipeline/rules/rules.fixture';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { stageImport } from '@ew/pipeline/imports/stage-import';
import { bearer, multipart, startApiTest, TOWN_B, type ApiTest } from './api.fixture.ts';

const HR_HEADER = '公民身份号码,姓名,业务类型,业务日期,月收入';
function validId(birth: string, seq: number): string {
  const first17 = `130802${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}
const HR_CSV = [HR_HEADER, `${validId('1980-01-02', 11)},张三,失业登记,2023-03-01,`, ''].join('\r\n');

let api: ApiTest;
let redis: Redis;
beforeAll(async () => {
  api = await startApiTest();
  redis = new Redis(api.t.redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  redis?.disconnect();
  await api?.close();
});

function upload(
  fields: Record<string, string>,
  content: string | Buffer | null,
  who: 'admin' | 'cwA' = 'admin',
) {
  const body = multipart(fields, content === null ? undefined : { name: '人社局-202303.csv', content });
  return api.app.inject({
    method: 'POST',
    url: '/imports',
    headers: { ...bearer(api.tokens[who]), ...body.headers },
    payload: body.payload,
  });
}

async function spoolEmpty(): Promise<boolean> {
  const entries = await readdir(`${api.t.ctx.fileStoreDir}/.uploads`).catch(() => []);
  return entries.length === 0;
}

describe('POST /imports', () => {
  let importId: number;

  it('refuses a feed while no register has been loaded: 409 REGISTER_NOT_LOADED, nothing recorded', async () => {
    const res = await upload({ feed: 'hr', period: '2023-03' }, HR_CSV);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'REGISTER_NOT_LOADED' } });
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/register import/);
    const db = api.t.ctx.database.db;
    expect(await db.selectFrom('imports').select('id').execute()).toEqual([]);
    expect(await spoolEmpty()).toBe(true);
    await markRegisterApplied(db);
  });

  it('accepts an upload: 202, import QUEUED, its job relayed to BullMQ, the spool file gone', async () => {
    const res = await upload({ feed: 'hr', period: '2023-03' }, HR_CSV);
    expect(res.statusCode).toBe(202);
    const body = res.json<{ importId: number; outcome: string; queued: boolean }>();
    expect(body).toMatchObject({ outcome: 'QUEUED', replacesImportId: null, queued: true });
    importId = body.importId;

    const db = api.t.ctx.database.db;
    const imp = await db
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    expect(imp).toMatchObject({
      feed: 'hr',
      period: '2023-03-31',
      status: 'QUEUED',
      file_name: '人社局-202303.csv',
      requested_by: 'admin1',
    });
    const outbox = await db
      .selectFrom('outbox')
      .selectAll()
      .where('job_id', '=', `import-${importId}`)
      .executeTakeFirstOrThrow();
    expect(outbox.dispatched_at).not.toBeNull();

    const queue = new Queue('import', { connection: redis, prefix: api.t.queuePrefix });
    try {
      // the BullMQ job id is the outbox job id plus this database's installation id
      const job = await queue.getJob(queueJobId(`import-${importId}`, await installationId(db)));
      expect(job?.data).toEqual({ importId });
    } finally {
      await queue.close();
    }
    expect(await spoolEmpty()).toBe(true);
  });

  it('answers the same bytes again with ALREADY_IMPORTED (200) and records nothing new', async () => {
    const res = await upload({ feed: 'hr', period: '2023-03', replace: 'true' }, HR_CSV);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ importId, outcome: 'ALREADY_IMPORTED', status: 'QUEUED' });
    const imports = await api.t.ctx.database.db.selectFrom('imports').select('id').execute();
    expect(imports).toHaveLength(1);
  });

  it('refuses a second delivery for the period (409) unless replace=true (202, replacing)', async () => {
    const other = HR_CSV + `${validId('1985-05-05', 21)},李四,停保,2023-02-01,\r\n`;
    const refused = await upload({ feed: 'hr', period: '2023-03-31' }, other);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'DELIVERY_EXISTS' } });
    const replaced = await upload({ feed: 'hr', period: '2023-03-31', replace: 'true' }, other);
    expect(replaced.statusCode).toBe(202);
    expect(replaced.json()).toMatchObject({ outcome: 'QUEUED', replacesImportId: importId });
  });

  it('refuses an unknown feed, a bad period, a missing file and unknown fields (400)', async () => {
    const feed = await upload({ feed: 'weather', period: '2023-03' }, HR_CSV);
    expect(feed.statusCode).toBe(400);
    expect(feed.json()).toMatchObject({ error: { code: 'FEED_UNKNOWN' } });
    const period = await upload({ feed: 'hr', period: '2023-13' }, HR_CSV);
    expect(period.statusCode).toBe(400);
    expect(period.json()).toMatchObject({ error: { code: 'PERIOD_INVALID' } });
    const noFile = await upload({ feed: 'hr', period: '2023-04' }, null);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toMatchObject({ error: { code: 'FILE_MISSING' } });
    const extra = await upload({ feed: 'hr', period: '2023-04', colour: 'red', replace: 'maybe' }, HR_CSV);
    expect(extra.statusCode).toBe(400);
    const paths = extra.json<{ error: { code: string; issues: Array<{ path: string[] }> } }>().error;
    expect(paths.code).toBe('VALIDATION_FAILED');
    expect(paths.issues.map((i) => i.path)).toEqual(expect.arrayContaining([['body', 'replace'], ['body']]));
    const json = await api.app.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...bearer(api.tokens.admin), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await spoolEmpty()).toBe(true);
  });

  it('refuses a malformed multipart body (400) and keeps nothing of it', async () => {
    const body = multipart({ feed: 'hr', period: '2023-06' }, { name: 'cut.csv', content: HR_CSV });
    const res = await api.app.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...bearer(api.tokens.admin), ...body.headers },
      payload: body.payload.subarray(0, body.payload.length - 30),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await spoolEmpty()).toBe(true);
  });

  it('refuses a file over the size limit (413) and keeps nothing of it', async () => {
    const small = await api.another({ maxUploadBytes: 64 });
    const body = multipart(
      { feed: 'hr', period: '2023-05' },
      { name: 'big.csv', content: HR_CSV.repeat(10) },
    );
    const res = await small.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...bearer(api.tokens.admin), ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const may = await api.t.ctx.database.db
      .selectFrom('imports')
      .select('id')
      .where('period', '=', '2023-05-31')
      .execute();
    expect(may).toEqual([]);
    expect(await spoolEmpty()).toBe(true);
  });
});

describe('GET /imports', () => {
  it('lists imports newest first, filtered by feed and status', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/imports?feed=hr&limit=10',
      headers: bearer(api.tokens.supervisor),
    });
    expect(res.statusCode).toBe(200);
    const list = res.json<{ imports: Array<{ importId: number; status: string }> }>().imports;
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0]!.importId).toBeGreaterThan(list[1]!.importId);
    const replaced = await api.app.inject({
      method: 'GET',
      url: '/imports?status=NOPE',
      headers: bearer(api.tokens.admin),
    });
    expect(replaced.statusCode).toBe(400);
    expect(replaced.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', issues: [{ path: ['query', 'status'] }] },
    });
  });

  it('gives the import report, and 404 for an unknown import', async () => {
    const [first] = await api.t.ctx.database.db
      .selectFrom('imports')
      .select('id')
      .orderBy('id')
      .limit(1)
      .execute();
    const res = await api.app.inject({
      method: 'GET',
      url: `/imports/${first!.id}`,
      headers: bearer(api.tokens.admin),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ importId: first!.id, feed: 'hr', rowsRead: 0, rejectsByReason: [] });
    const named = await api.app.inject({
      method: 'GET',
      url: `/imports/${first!.id}/report`,
      headers: bearer(api.tokens.admin),
    });
    expect(named.json()).toEqual(res.json());
    const missing = await api.app.inject({
      method: 'GET',
      url: '/imports/999999',
      headers: bearer(api.tokens.admin),
    });
    expect(missing.statusCode).toBe(404);
    const bad = await api.app.inject({
      method: 'GET',
      url: '/imports/1e3',
      headers: bearer(api.tokens.admin),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', issues: [{ path: ['params', 'id'] }] },
    });
  });

  it('exports the rejects as CSV, neutralising formula cells, and audits the export', async () => {
    const db = api.t.ctx.database.db;
    const [imp] = await db.selectFrom('imports').select('id').orderBy('id').limit(1).execute();
    const importId = imp!.id;
    await db
      .insertInto('import_rejects')
      .values([
        {
          import_id: importId,
          row_no: 3,
          field: 'name',
          column_name: '姓名',
          reason: 'REQUIRED_MISSING',
          value_masked: '=HYPERLINK("http://x","y")',
          message: 'name is empty',
        },
        {
          import_id: importId,
          row_no: 5,
          field: 'event',
          column_name: '业务类型',
          reason: 'UNKNOWN_CODE',
          value_masked: '@SUM(A1)',
          message: '+1 unknown',
        },
      ])
      .execute();
    const res = await api.app.inject({
      method: 'GET',
      url: `/imports/${importId}/rejects.csv`,
      headers: bearer(api.tokens.admin),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="import-${importId}-hr-2023-03-31-rejects.csv"`,
    );
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toEqual([
      'row,column,reason,value,message',
      `3,姓名,REQUIRED_MISSING,"'=HYPERLINK(""http://x"",""y"")",name is empty`,
      `5,业务类型,UNKNOWN_CODE,'@SUM(A1),'+1 unknown`,
    ]);
    const audit = await db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'subject_type', 'subject_id', 'detail'])
      .where('action', '=', 'export.import_rejects')
      .execute();
    expect(audit).toEqual([
      {
        actor: 'admin1',
        action: 'export.import_rejects',
        subject_type: 'import',
        subject_id: String(importId),
        detail: { feed: 'hr', period: '2023-03-31', rejects: 2 },
      },
    ]);
  });
});

describe('reviews', () => {
  it('lists an open review masked, and an accept sends the row on to alerts and a task', async () => {
    const db = api.t.ctx.database.db;
    const h = await addHousehold(db, { town: TOWN_B, members: ['1980-01-01', '2009-05-05'] });
    const { importId } = await addDelivery(db, {
      feed: 'education',
      period: '2023-06-30',
      rows: [
        {
          personId: null,
          method: 'REVIEW',
          score: null,
          payload: {
            school: '一中',
            stage: 'JUNIOR',
            status: 'DROPPED_OUT',
            annual_fees: null,
            aid_received: null,
          },
        },
      ],
    });
    const child = h.personIds[1]!;
    const review = await db
      .insertInto('match_reviews')
      .values({
        import_id: importId,
        row_no: 2,
        kind: 'REVIEW',
        candidates: JSON.stringify([{ personId: child, score: 0.8, kind: 'HOMOPHONE' }]),
        chosen_person_id: null,
        decided_by: null,
        decided_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const list = await api.app.inject({
      method: 'GET',
      url: `/reviews?importId=${importId}`,
      headers: bearer(api.tokens.supervisor),
    });
    expect(list.statusCode).toBe(200);
    const reviews = list.json<{
      reviews: Array<{ reviewId: number; candidates: Array<{ idMasked: string }> }>;
    }>().reviews;
    expect(reviews.map((r) => r.reviewId)).toEqual([review.id]);
    expect(reviews[0]!.candidates[0]!.idMasked).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    expect(list.body).not.toMatch(/\d{17}[\dX]/);

    const bad = await api.app.inject({
      method: 'POST',
      url: `/reviews/${review.id}/decision`,
      headers: bearer(api.tokens.admin),
      payload: { personId: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const missing = await api.app.inject({
      method: 'POST',
      url: '/reviews/999999/decision',
      headers: bearer(api.tokens.admin),
      payload: { reject: true },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'REVIEW_NOT_FOUND' } });

    const res = await api.app.inject({
      method: 'POST',
      url: `/reviews/${review.id}/decision`,
      headers: bearer(api.tokens.admin),
      payload: { personId: child },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      reviewId: review.id,
      status: 'ACCEPTED',
      changed: true,
      newlyMatched: { importId, rowNo: 2 },
      evaluation: { signals: { EDU_DROPOUT: 1 }, alerts: { tasksOpened: 1 } },
    });
    const task = await db
      .selectFrom('tasks')
      .select(['town_id', 'status'])
      .where('household_id', '=', h.householdId)
      .executeTakeFirstOrThrow();
    expect(task).toEqual({ town_id: api.towns.B, status: 'NEW' });
    const audited = await db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('subject_type', '=', 'match_review')
      .execute();
    expect(audited).toEqual([{ actor: 'admin1', action: 'review.accept' }]);

    // the same accept again (a retry): nothing changes, the evaluation runs again and adds nothing
    const retry = await api.app.inject({
      method: 'POST',
      url: `/reviews/${review.id}/decision`,
      headers: bearer(api.tokens.admin),
      payload: { personId: child },
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({
      changed: false,
      evaluation: { signals: {}, alerts: { tasksOpened: 0 } },
    });
    expect(
      await db.selectFrom('signals').select('id').where('import_id', '=', importId).execute(),
    ).toHaveLength(1);

    const again = await api.app.inject({
      method: 'POST',
      url: `/reviews/${review.id}/decision`,
      headers: bearer(api.tokens.admin),
      payload: { reject: true },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'ALREADY_DECIDED' } });
  });
});

describe('GET /imports/:id/report warnings', () => {
  it('shows the columns ignored and optional fields absent of a staged upload', async () => {
    const csv = [
      '公民身份号码,姓名,业务类型,业务日期,备注',
      `${validId('1980-01-02', 11)},张三,失业登记,2023-03-01,x`,
      '',
    ];
    const res = await upload({ feed: 'hr', period: '2023-05' }, csv.join('\r\n'));
    expect(res.statusCode).toBe(202);
    const { importId } = res.json<{ importId: number }>();
    await stageImport(api.t.ctx, { importId });
    const report = await api.app.inject({
      method: 'GET',
      url: `/imports/${importId}/report`,
      headers: bearer(api.tokens.supervisor),
    });
    expect(report.statusCode).toBe(200);
    expect(
      report.json<{ warnings: Array<{ code: string; columns?: string[]; fields?: string[] }> }>().warnings,
    ).toEqual([
      expect.objectContaining({ code: 'COLUMNS_IGNORED', columns: ['备注'] }),
      expect.objectContaining({ code: 'OPTIONAL_FIELDS_ABSENT', fields: ['monthly_income'] }),
    ]);
  });
});
