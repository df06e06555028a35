import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idCheckDigit } from '@ew/core';
import { createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { requestImport, ImportRequestError } from './request-import.ts';
import { markRegisterApplied } from './imports.fixture.ts';
import { stageImport } from './stage-import.ts';
import { importReport, rejectsCsv } from './import-report.ts';

const HR_HEADER = '公民身份号码,姓名,业务类型,业务日期,月收入';

function id(birth: string, seq: number): string {
  const first17 = `130802${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}
const P1 = id('1980-01-02', 11);
const P2 = id('1990-03-04', 22);
const P3 = id('1975-05-06', 31);
const P4 = id('1966-07-08', 41);

function hrCsv(rows: string[]): string {
  return [HR_HEADER, ...rows].join('\n') + '\n';
}

const FIRST = hrCsv([
  `${P1},张三,失业登记,2023-03-01,`,
  `${P2},李四,灵活就业,2023/2/1,"1,200.00"`,
  `${P3},王五,停保,20230115,`,
  `${P2},李四,灵活就业,2023/2/1,"1,200.00"`, // duplicate of row 3
  `${P4},赵六,退休,2023-03-01,`, // unknown code
  `${P1.slice(0, 6)} ${P1.slice(6)},张三,就业,2023-03-10,-100`, // negative amount
  `1.30802E+17,钱七,失业登记,2023-03-05,`, // ID lost its digits: staged for fallback
]);

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
  await markRegisterApplied(app.ctx.database.db);
});
afterEach(async () => {
  await app.close();
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(app.dir, name);
  await writeFile(path, content);
  return path;
}

async function importFile(
  name: string,
  content: string | Buffer,
  period = '2023-03',
  replace = false,
  feed = 'hr',
) {
  const path = await file(name, content);
  const request = await requestImport(app.ctx, {
    feed,
    period,
    file: path,
    requestedBy: 'test',
    replace,
  });
  if (request.outcome === 'QUEUED') await stageImport(app.ctx, { importId: request.importId });
  return request;
}

/** Every table an import writes, as content, to compare before and after. */
async function snapshot() {
  const db = app.ctx.database.db;
  return {
    imports: await db
      .selectFrom('imports')
      .select(['id', 'status', 'rows_read', 'rows_accepted', 'file_sha256'])
      .orderBy('id')
      .execute(),
    staged: await db
      .selectFrom('staged_rows')
      .select(['import_id', 'row_no', 'row_hash', 'delta', 'duplicate_of'])
      .orderBy('import_id')
      .orderBy('row_no')
      .execute(),
    rejects: await db
      .selectFrom('import_rejects')
      .selectAll()
      .orderBy('import_id')
      .orderBy('row_no')
      .execute(),
    outbox: await db.selectFrom('outbox').select(['job_id']).orderBy('id').execute(),
    chunks: await db.selectFrom('import_chunks').selectAll().orderBy('import_id').execute(),
  };
}

describe('feed import staging', () => {
  it('refuses a feed while no register has been loaded, storing and recording nothing', async () => {
    const db = app.ctx.database.db;
    await db.deleteFrom('register_snapshots').execute();
    const error = await importFile('hr.csv', FIRST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRequestError);
    expect(error).toMatchObject({ code: 'REGISTER_NOT_LOADED' });
    expect((error as Error).message).toMatch(/no household register has been loaded.*register import/);
    expect(await db.selectFrom('imports').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('outbox').select('id').execute()).toEqual([]);
  });

  it('stages accepted rows, records rejects by reason, and plans match chunks', async () => {
    const request = await importFile('hr.csv', FIRST);
    expect(request.outcome).toBe('QUEUED');
    const importId = (request as { importId: number }).importId;
    const report = (await importReport(app.ctx.database.db, importId))!;
    expect(report).toMatchObject({
      status: 'STAGED',
      format: 'csv',
      encoding: 'utf8',
      rowsRead: 7,
      rowsAccepted: 5,
      rowsRejected: 2,
      rowsDuplicate: 1,
      delta: { previousImportId: null, new: 4, changed: 0, gone: 0 },
    });
    expect(report.rejectsByReason.map((r) => [r.reason, r.rows])).toEqual(
      [
        ['NEGATIVE_AMOUNT', 1],
        ['UNKNOWN_CODE', 1],
      ]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
        .sort((a, b) => Number(b[1]) - Number(a[1])),
    );
    const unknown = report.rejectsByReason.find((r) => r.reason === 'UNKNOWN_CODE')!;
    expect(unknown.examples).toEqual([
      expect.objectContaining({ rowNo: 6, column: '业务类型', value: '退休' }),
    ]);

    const staged = await app.ctx.database.db
      .selectFrom('staged_rows')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('row_no')
      .execute();
    expect(staged.map((r) => [r.row_no, r.id_status, r.duplicate_of])).toEqual([
      [2, 'VALID', null],
      [3, 'VALID', null],
      [4, 'VALID', null],
      [5, 'VALID', 3],
      [8, 'SCIENTIFIC_NOTATION', null],
    ]);
    expect(staged[1]).toMatchObject({
      id_number: P2,
      name_norm: '李四',
      birth_date: '1990-03-04',
      gender: 'F',
      payload: { event: 'FLEXIBLE', event_date: '2023-02-01', monthly_income: 1200 },
    });
    expect(staged[4]).toMatchObject({ id_number: null, birth_date: null, name_norm: '钱七' });

    const jobs = await app.ctx.database.db
      .selectFrom('outbox')
      .select(['queue', 'job_id', 'payload'])
      .orderBy('id')
      .execute();
    expect(jobs.map((j) => j.job_id)).toEqual([`import-${importId}`, `match-${importId}-0`]);
    expect(jobs[1]!.payload).toEqual({ importId, chunk: 0, rowFrom: 2, rowTo: 9 });
  });

  it('changes nothing when the same file is delivered twice', async () => {
    await importFile('first.csv', FIRST);
    const before = await snapshot();
    const again = await importFile('again.csv', FIRST);
    expect(again.outcome).toBe('ALREADY_IMPORTED');
    expect(await snapshot()).toEqual(before);
    // and running the job again (at-least-once delivery) changes nothing either
    await stageImport(app.ctx, { importId: before.imports[0]!.id });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a second different file for the same feed and period unless asked to replace', async () => {
    const first = await importFile('first.csv', FIRST);
    const corrected = FIRST.replace('王五,停保', '王五,失业登记');
    await expect(importFile('corrected.csv', corrected)).rejects.toThrow(ImportRequestError);
    const replaced = await importFile('corrected.csv', corrected, '2023-03', true);
    expect(replaced).toMatchObject({
      outcome: 'QUEUED',
      replacesImportId: (first as { importId: number }).importId,
    });
    const statuses = await app.ctx.database.db
      .selectFrom('imports')
      .select(['id', 'status', 'previous_import_id', 'rows_new', 'rows_changed'])
      .orderBy('id')
      .execute();
    // the replaced delivery is out; the correction is compared with what came before it (nothing)
    expect(statuses).toEqual([
      {
        id: (first as { importId: number }).importId,
        status: 'REPLACED',
        previous_import_id: null,
        rows_new: 4,
        rows_changed: 0,
      },
      {
        id: (replaced as { importId: number }).importId,
        status: 'STAGED',
        previous_import_id: null,
        rows_new: 4,
        rows_changed: 0,
      },
    ]);
  });

  it('compares a delivery with the previous one: new, changed, same and gone', async () => {
    await importFile('march.csv', FIRST, '2023-03');
    const april = hrCsv([
      `${P1},张三,失业登记,2023-03-01,`, // same
      `${P2},李四,灵活就业,2023/2/1,"1,500.00"`, // changed income
      `${P4},赵六,失业登记,2023-04-02,`, // new
    ]);
    const request = await importFile('april.csv', april, '2023-04');
    const report = (await importReport(app.ctx.database.db, (request as { importId: number }).importId))!;
    expect(report.delta).toMatchObject({ new: 1, changed: 1, gone: 2 }); // P3 and the name-only row are gone
    const deltas = await app.ctx.database.db
      .selectFrom('staged_rows')
      .select(['row_no', 'delta'])
      .where('import_id', '=', report.importId)
      .orderBy('row_no')
      .execute();
    expect(deltas).toEqual([
      { row_no: 2, delta: 'SAME' },
      { row_no: 3, delta: 'CHANGED' },
      { row_no: 4, delta: null }, // new rows carry no mark
    ]);
  });

  it('loads GBK and UTF-8-BOM files alike', async () => {
    const gbk = await importFile('gbk.csv', iconv.encode(FIRST, 'gbk'), '2023-03');
    const bom = await importFile('bom.csv', '\uFEFF' + FIRST, '2023-04');
    const db = app.ctx.database.db;
    const rows = await db
      .selectFrom('imports')
      .select(['id', 'encoding', 'rows_accepted'])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.encoding, r.rows_accepted])).toEqual([
      ['gb18030', 5],
      ['utf8-bom', 5],
    ]);
    const names = await db
      .selectFrom('staged_rows')
      .select(['import_id', 'name'])
      .where('row_no', '=', 2)
      .orderBy('import_id')
      .execute();
    expect(names.map((n) => n.name)).toEqual(['张三', '张三']);
    void gbk;
    void bom;
  });

  it('exports rejects as CSV with formula cells neutralised and no full ID', async () => {
    const request = await importFile('rejects.csv', hrCsv([`${P1},=HYPERLINK("x"),退休,2023-03-01,`]));
    let csv = '';
    for await (const part of rejectsCsv(app.ctx.database.db, (request as { importId: number }).importId))
      csv += part;
    expect(csv).toContain('UNKNOWN_CODE');
    expect(csv).not.toMatch(/\d{17}[\dX]/);
    expect(csv.split('\r\n')).toHaveLength(3);
  });
});

describe('broken files are refused whole, and nothing is applied', () => {
  const corpus: Array<[string, () => string | Buffer, string]> = [
    [
      'binary',
      () =>
        Buffer.from([
          0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 1, 2, 3,
        ]),
      'FILE_BINARY',
    ],
    ['empty', () => '', 'FILE_EMPTY'],
    ['wrong headers', () => '编号,名称,金额\n1,a,2\n', 'HEADER_MISMATCH'],
    [
      'wrong feed',
      () =>
        '身份证号,参保人姓名,出生日期,年度个人自付累计,大病慢特病标识,重度残疾标识\n' +
        `${P1},张三,1980-01-02,100,否,否\n`,
      'WRONG_FEED',
    ],
    ['truncated mid-row', () => FIRST + `${P1},"张三,失业登记`, 'FILE_TRUNCATED'],
    [
      'invalid bytes',
      () =>
        Buffer.concat([
          Buffer.from(FIRST.repeat(2000)),
          Buffer.from([0xff, 0xfe, 0x80]),
          Buffer.from(`${P1},张三,失业登记,2023-03-01,\n`),
        ]),
      'FILE_UNDECODABLE',
    ],
    ['a 10 MB single line', () => HR_HEADER + '\n' + 'x'.repeat(10 * 1024 * 1024), 'LINE_TOO_LONG'],
  ];

  for (const [label, content, code] of corpus) {
    it(`${label} → ${code}`, async () => {
      const db = app.ctx.database.db;
      const request = await importFile(`${label}.csv`, content());
      const importId = (request as { importId: number }).importId;
      const imp = await db
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', importId)
        .executeTakeFirstOrThrow();
      expect(imp.status).toBe('REFUSED');
      expect(imp.error_code).toBe(code);
      expect(imp.error_message).toBeTruthy();
      const staged = await db
        .selectFrom('staged_rows')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      const rejects = await db
        .selectFrom('import_rejects')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      const chunks = await db.selectFrom('outbox').select('job_id').where('queue', '=', 'match').execute();
      expect([staged.n, rejects.n, chunks.length]).toEqual([0, 0, 0]);
    });
  }

  it('a header-only file is accepted as an empty delivery', async () => {
    const request = await importFile('header-only.csv', HR_HEADER + '\n');
    const imp = await app.ctx.database.db
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', (request as { importId: number }).importId)
      .executeTakeFirstOrThrow();
    expect(imp).toMatchObject({ status: 'EVALUATED', rows_read: 0, rows_accepted: 0 });
  });
});

describe('year-month columns (结算年月)', () => {
  it('reads every written form as the first of the month and rejects impossible months naming row and column', async () => {
    const csv = [
      '身份证号,参保人姓名,结算年月,年度个人自付累计',
      `${P1},张三,202303,100`,
      `${P2},李四,2023-03,100`,
      `${P3},王五,2023/3,100`,
      `${P4},赵六,2023年3月,100`,
      `${id('1970-01-01', 51)},钱七,202313,100`,
      `${id('1970-01-01', 61)},孙八,202300,100`,
      '',
    ].join('\n');
    const request = await importFile('医保-结算.csv', csv, '2023-03', false, 'medical');
    if (request.outcome !== 'QUEUED') throw new Error('not queued');
    const db = app.ctx.database.db;
    const staged = await db
      .selectFrom('staged_rows')
      .select(['row_no', sql<string>`payload->>'settlement_month'`.as('month')])
      .where('import_id', '=', request.importId)
      .orderBy('row_no')
      .execute();
    expect(staged).toEqual([2, 3, 4, 5].map((row_no) => ({ row_no, month: '2023-03-01' })));

    const report = await importReport(db, request.importId);
    expect(report?.fileName).toBe('医保-结算.csv');
    const bad = report?.rejectsByReason.find((r) => r.reason === 'BAD_YEAR_MONTH');
    expect(bad?.rows).toBe(2);
    expect(bad?.examples).toEqual([
      {
        rowNo: 6,
        column: '结算年月',
        value: '202313',
        message: 'row 6, column "结算年月": "202313": there is no month 13',
      },
      {
        rowNo: 7,
        column: '结算年月',
        value: '202300',
        message: 'row 7, column "结算年月": "202300": there is no month 0',
      },
    ]);
  });
});

describe('header warnings', () => {
  it('stores columns ignored and optional fields absent with the import, for its report', async () => {
    const csv = [
      '公民身份号码,姓名,业务类型,业务日期,联系电话,备注',
      `${P1},张三,失业登记,2023-03-01,139,x`,
      '',
    ].join('\n');
    const request = await importFile('hr-extra.csv', csv);
    if (request.outcome !== 'QUEUED') throw new Error('not queued');
    const report = await importReport(app.ctx.database.db, request.importId);
    expect(report?.rowsAccepted).toBe(1);
    expect(report?.warnings).toEqual([
      {
        code: 'COLUMNS_IGNORED',
        message: 'column(s) the hr mapping does not know, ignored: "联系电话", "备注"',
        columns: ['联系电话', '备注'],
      },
      {
        code: 'OPTIONAL_FIELDS_ABSENT',
        message: expect.stringContaining('monthly_income') as string,
        fields: ['monthly_income'],
      },
    ]);
  });
});

describe('a corrected file (--replace) against the file it replaces', () => {
  it('reports rows new, changed and gone against that file, with row numbers', async () => {
    const first = await importFile(
      'hr.csv',
      hrCsv([
        `${P1},张三,失业登记,2023-03-01,`,
        `${P2},李四,灵活就业,2023/2/1,1200`,
        `${P3},王五,停保,20230115,`,
      ]),
    );
    const corrected = await importFile(
      'hr-corrected.csv',
      hrCsv([
        `${P1},张三,失业登记,2023-03-01,`,
        `${P2},李四,灵活就业,2023/2/1,900`,
        `${P4},赵六,停保,2023-03-01,`,
      ]),
      '2023-03',
      true,
    );
    if (first.outcome !== 'QUEUED' || corrected.outcome !== 'QUEUED') throw new Error('not queued');
    expect(corrected.replacesImportId).toBe(first.importId);
    const report = await importReport(app.ctx.database.db, corrected.importId);
    expect(report?.replaced).toEqual({
      replacedImportId: first.importId,
      new: 1,
      changed: 1,
      gone: 1,
      examples: { new: [4], changed: [3], gone: [4] },
      signalsWithdrawn: 0, // staged only: nothing evaluated yet
    });
    expect((await importReport(app.ctx.database.db, first.importId))?.replaced).toBeNull();
  });
});
