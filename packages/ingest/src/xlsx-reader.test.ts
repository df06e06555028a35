import { readFileSync, statSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestError } from './errors.ts';
import { openTable } from './file-reader.ts';
import type { SourceRow, SourceTable } from './table.ts';
import { rejection, tempDir } from './ingest.fixture.ts';
import { excelDateText, openXlsx } from './xlsx-reader.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function all(t: SourceTable): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of t.rows) out.push(r);
  return out;
}

function code(e: unknown): string | undefined {
  return e instanceof IngestError ? e.code : undefined;
}

const HEADERS = ['身份证号', '姓名', '出生日期', '个人自付金额', '大病慢特病标识', '户编号'];

async function sampleWorkbook(path: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('说明', { state: 'hidden' }).addRow(['这张表是隐藏的']);
  const ws = wb.addWorksheet('数据');
  ws.addRow(HEADERS);
  ws.addRow([
    '110105194912310021',
    { richText: [{ text: '張' }, { text: ' 三', font: { bold: true } }] },
    new Date(Date.UTC(1949, 11, 31)),
    12345.6,
    '是',
    '3301000001',
  ]);
  ws.addRow([
    130802198001020000, // the ID typed as a number: Excel kept 15 digits
    { text: '李四', hyperlink: 'mailto:x@example.org' },
    new Date(Date.UTC(1980, 0, 2, 8, 30, 0)),
    { formula: 'SUM(1000,234.5)', result: 1234.5 },
    true,
    null, // merged with the cell above (vertical merge of 户编号)
  ]);
  ws.addRow([]); // empty row
  ws.addRow(['', '  ', '', '', '', '']); // blank strings only
  ws.addRow([
    130802800102003,
    '王五',
    29221,
    '-',
    { formula: 'NA()', result: { error: '#N/A' } },
    '3301000002',
  ]);
  ws.addRow(['110105194912310021', '赵六', '', '', '否', '3301000003', '', '', '多出来的']);
  ws.mergeCells('F2:F3');
  ws.getCell('C2').numFmt = 'yyyy-mm-dd';
  ws.getCell('C3').numFmt = 'yyyy-mm-dd hh:mm';
  await wb.xlsx.writeFile(path);
}

describe('XLSX reader', () => {
  it('reads the first visible sheet, with typed cells converted to text', async () => {
    const path = tmp.file('sample.csv', ''); // the name lies: the format comes from the bytes
    await sampleWorkbook(path);
    const t = await openTable(path);
    expect(t.format).toBe('xlsx');
    expect(t.sheetName).toBe('数据');
    expect(t.headers).toEqual(HEADERS);
    expect(t.headerRowNo).toBe(1);
    expect(t.headerOnly).toBe(false);
    const rows = await all(t);
    expect(rows.map((r) => r.rowNo)).toEqual([2, 3, 6, 7]);
    const [r2, r3, r6, r7] = rows;
    expect(r2?.cells).toEqual(['110105194912310021', '張 三', '1949-12-31', '12345.6', '是', '3301000001']);
    expect([...(r2?.numericCells ?? [])]).toEqual([3]);
    // numeric ID: its text looks like 18 digits but is marked numeric; merged cell repeated
    expect(r3?.cells).toEqual([
      '130802198001020000',
      '李四',
      '1980-01-02 08:30:00',
      '1234.5',
      'TRUE',
      '3301000001',
    ]);
    expect([...(r3?.numericCells ?? [])].sort()).toEqual([0, 3]);
    expect(r6?.cells).toEqual(['130802800102003', '王五', '29221', '-', '#N/A', '3301000002']);
    expect(r6?.numericCells?.has(0)).toBe(true);
    expect(r6?.numericCells?.has(2)).toBe(true);
    // a value beyond the header's last column is kept (the row mapper rejects: COLUMN_COUNT)
    expect(r7?.cells).toEqual(['110105194912310021', '赵六', '', '', '否', '3301000003', '', '', '多出来的']);
    expect(t.stats).toEqual({ dataRows: 4, blankRows: 1 });
  });

  it('formats exceljs dates as ISO text', () => {
    expect(excelDateText(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(excelDateText(new Date(Date.UTC(2024, 1, 29) - 1))).toBe('2024-02-29'); // float noise
    expect(excelDateText(new Date(Date.UTC(2024, 1, 29, 23, 59, 59)))).toBe('2024-02-29 23:59:59');
  });

  it('reports a header-only workbook and refuses an empty one', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.getRow(3).values = ['姓名', '身份证号'];
    const p1 = tmp.file('header-only.xlsx', '');
    await wb.xlsx.writeFile(p1);
    const t = await openTable(p1);
    expect(t.headerRowNo).toBe(3);
    expect(t.headerOnly).toBe(true);
    expect(await all(t)).toEqual([]);

    const empty = new ExcelJS.Workbook();
    empty.addWorksheet('s');
    const p2 = tmp.file('empty.xlsx', '');
    await empty.xlsx.writeFile(p2);
    expect(code(await rejection(openTable(p2)))).toBe('FILE_EMPTY');
  });

  it('refuses broken, foreign and oversized zip files', async () => {
    const good = tmp.file('good.xlsx', '');
    await sampleWorkbook(good);
    const bytes = readFileSync(good);
    const truncated = tmp.file('truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(code(await rejection(openTable(truncated)))).toBe('XLSX_UNREADABLE');
    const garbage = tmp.file(
      'garbage.xlsx',
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(1000, 7)]),
    );
    expect(code(await rejection(openTable(garbage)))).toBe('XLSX_UNREADABLE');
    const e = await rejection(openXlsx(good, { maxBytes: 1000 }));
    expect(code(e)).toBe('XLSX_TOO_LARGE');
    expect((e as IngestError).details.sizeBytes).toBe(statSync(good).size);
    expect((e as Error).message).toContain('CSV');
  });
});

describe('XLSX reader on a large workbook', () => {
  // exceljs's *streaming* reader garbles characters straddling its chunks (issues 2063, 2084);
  // the whole-file reader must return every cell exactly.
  const N = 50_000;
  const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐欧阳司马诸葛𠀀𪚥';
  const GIVEN =
    '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣龘𠮷';
  const pick = (s: string, i: number): string => {
    const chars = Array.from(s);
    return chars[i % chars.length] ?? '';
  };
  const rowOf = (i: number): string[] => [
    `${110105}${19000101 + (i % 9000)}${String(i % 1000).padStart(3, '0')}X`,
    pick(SURNAMES, i * 7) + pick(GIVEN, i * 13) + (i % 3 === 0 ? '' : pick(GIVEN, i * 17 + 5)),
    `${pick(SURNAMES, i)}家村${'第'.repeat(i % 11)}${i}号·${pick(GIVEN, i * 3)}`,
    i % 5 === 0 ? '' : `备注${'中文字符'.repeat(i % 7)}`,
  ];

  it(`reads back ${N} rows of Chinese text exactly`, async () => {
    const path = tmp.file('large.xlsx', '');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
    const ws = writer.addWorksheet('名单');
    ws.addRow(['身份证号', '姓名', '家庭住址', '备注']).commit();
    for (let i = 0; i < N; i++) ws.addRow(rowOf(i)).commit();
    ws.commit();
    await writer.commit();

    const t = await openTable(path);
    expect(t.headers).toEqual(['身份证号', '姓名', '家庭住址', '备注']);
    let i = 0;
    let mismatches = 0;
    for await (const r of t.rows) {
      const expected = rowOf(i);
      if (r.rowNo !== i + 2 || r.cells.length !== 4 || r.cells.some((c, k) => c !== expected[k])) {
        if (mismatches++ < 3)
          expect({ rowNo: r.rowNo, cells: r.cells }).toEqual({ rowNo: i + 2, cells: expected });
      }
      i++;
    }
    expect(mismatches).toBe(0);
    expect(i).toBe(N);
  });
});
