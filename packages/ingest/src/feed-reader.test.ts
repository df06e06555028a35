// End to end through the public API: file → table → headers → mapped records / rejects.

import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestError, type IngestErrorCode } from './errors.ts';
import { openFeedFile } from './feed-reader.ts';
import { loadMappings, type FeedMapping } from './mapping.ts';
import type { MapRowResult } from './row-mapper.ts';
import { rejection, tempDir, validId } from './ingest.fixture.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let maps: Map<string, FeedMapping>;
const feed = (name: string): FeedMapping => {
  const m = maps.get(name);
  if (m === undefined) throw new Error(`no mapping ${name}`);
  return m;
};
beforeAll(async () => {
  maps = await loadMappings(join(import.meta.dirname, '../../../infra/feeds'));
});

const ID = validId('11010519491231002');

async function ingest(path: string, feedName: string): Promise<MapRowResult[]> {
  const { table, mapRow } = await openFeedFile(path, feed(feedName), maps);
  const out: MapRowResult[] = [];
  for await (const r of table.rows) out.push(mapRow(r));
  return out;
}

async function refusedWith(p: Promise<unknown>): Promise<IngestErrorCode | undefined> {
  const e = await rejection(p);
  if (!(e instanceof IngestError)) throw e;
  return e.code;
}

describe('feed files end to end', () => {
  it('maps a GBK hr file with CRLF, blank lines and bad rows', async () => {
    const text = [
      '公民身份号码,姓名,业务类型,业务日期,月收入（元）',
      `${ID},张三,失业登记,2024/1/2,"5,000.00"`,
      '',
      '1.30802E+17,李四,灵活就业,20240105,',
      `${ID},王五,下岗,2024-01-05,`,
      `${ID},赵六,停保`,
      '',
    ].join('\r\n');
    const results = await ingest(tmp.file('hr-gbk.csv', iconv.encode(text, 'gbk')), 'hr');
    expect(
      results.map((r) => (r.ok ? [r.record.rowNo, 'ok'] : [r.rejects[0]?.rowNo, r.rejects[0]?.reason])),
    ).toEqual([
      [2, 'ok'],
      [4, 'ok'],
      [5, 'UNKNOWN_CODE'],
      [6, 'COLUMN_COUNT'],
    ]);
    const second = results[1];
    expect(second?.ok && second.record.fields['id_status']).toBe('SCIENTIFIC_NOTATION');
  });

  it('maps an XLSX register with a numeric ID cell and date cells', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('户籍');
    ws.addRow([
      '户编号',
      '托管镇',
      '城乡类别',
      '救助类别',
      '身份证号码',
      '姓名',
      '与户主关系',
      '出生日期',
      '未通过日期',
    ]);
    ws.addRow([
      'H001',
      '城关镇',
      '城市',
      '低保边缘',
      ID,
      '張三',
      '户主',
      new Date(Date.UTC(1949, 11, 31)),
      null,
    ]);
    ws.addRow([
      'H001',
      '城关镇',
      '城市',
      '低保边缘',
      110105195001010000,
      '李四',
      '配偶',
      18264,
      new Date(Date.UTC(2023, 5, 1)),
    ]);
    const path = tmp.file('register.xlsx', '');
    await wb.xlsx.writeFile(path);
    const [r1, r2] = await ingest(path, 'register');
    expect(r1?.ok && r1.record.fields).toMatchObject({
      household_no: 'H001',
      assistance_status: 'MARGINAL',
      id_number: ID,
      name_norm: '张三',
      birth_date: '1949-12-31',
      refused_on: null,
    });
    expect(r2?.ok).toBe(false);
    if (r2 !== undefined && !r2.ok) {
      expect(r2.rejects.map((x) => [x.rowNo, x.reason, x.column])).toEqual([
        [3, 'ID_NUMERIC_CELL', '身份证号码'],
      ]);
    }
  });

  it('refuses the broken-file corpus with the right code', async () => {
    const hrHeader = '公民身份号码,姓名,业务类型,业务日期,月收入\n';
    const corpus: [string, string | Buffer, string, IngestErrorCode][] = [
      ['empty.csv', '', 'hr', 'FILE_EMPTY'],
      [
        'png.csv',
        Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex'),
        'hr',
        'FILE_BINARY',
      ],
      ['wrong-headers.csv', 'a,b,c\n1,2,3\n', 'hr', 'HEADER_MISMATCH'],
      ['hr-as-medical.csv', `${hrHeader}${ID},张三,就业,2024-01-01,\n`, 'medical', 'WRONG_FEED'],
      ['truncated.csv', `${hrHeader}${ID},张三,就业,2024-01-01,\n${ID},"李`, 'hr', 'FILE_TRUNCATED'],
      [
        'not-xlsx.xlsx',
        Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(64, 1)]),
        'hr',
        'XLSX_UNREADABLE',
      ],
    ];
    for (const [name, data, feedName, expected] of corpus) {
      expect([name, await refusedWith(ingest(tmp.file(name, data), feedName))]).toEqual([name, expected]);
    }
  });

  it('accepts a header-only file (no rows) and leaves the decision to the caller', async () => {
    const path = tmp.file('header-only.csv', '公民身份号码,姓名,业务类型,业务日期\n');
    const { table } = await openFeedFile(path, feed('hr'), maps);
    expect(table.headerOnly).toBe(true);
    expect(table.file).toBe('header-only.csv'); // messages name the file, not its directory
    expect(await ingest(path, 'hr')).toEqual([]);
  });
});
