// A NUL in an XLSX cell is refused as the CSV reader refuses one (nul-bytes.test.ts): FILE_BINARY
// naming the delivered file, the row and the column, before any row reaches COPY. XML cannot
// carry NUL itself; OOXML's escape `_x0000_` in a shared string is where one comes from. The
// workbooks are written by exceljs and their parts edited afterwards (exceljs drops control
// characters when it writes).
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { readZip, zip } from './corpus.fixture.ts';
import { IngestError } from './errors.ts';
import { openTable } from './file-reader.ts';
import { rejection, tempDir } from './ingest.fixture.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HEADER = ['公民身份号码', '姓名', '业务类型'];
const MARKER = 'MARKER-CELL';

/** A workbook of `rows` data rows; the third cell of sheet row `markerRow` reads MARKER. */
async function workbook(rows: number, markerRow: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('数据');
  ws.addRow(HEADER);
  for (let row = 2; row <= rows + 1; row++) {
    ws.addRow([
      `11010519491231${String(row).padStart(4, '0')}`,
      '张三',
      row === markerRow ? MARKER : '失业登记',
    ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The workbook with MARKER in `part` replaced by `xml` (raw XML text). */
function edited(bytes: Buffer, part: string, xml: string): Buffer {
  const parts = readZip(bytes);
  const target = parts.find((p) => p.name === part);
  expect(target?.data.toString('utf8')).toContain(MARKER);
  return zip(
    parts.map((p) =>
      p === target ? { name: p.name, data: Buffer.from(p.data.toString('utf8').replace(MARKER, xml)) } : p,
    ),
  );
}

async function drain(bytes: Buffer, name: string): Promise<Array<readonly string[]>> {
  const table = await openTable(tmp.file('5be1d2.bin', bytes), { fileName: name });
  const out: Array<readonly string[]> = [];
  for await (const row of table.rows) out.push(row.cells);
  return out;
}

describe('NUL in an XLSX cell', () => {
  it('refuses the file with the file name, row and column (the shared string `_x0000_`)', async () => {
    const bytes = edited(await workbook(300, 250), 'xl/sharedStrings.xml', 'a_x0000_b');
    const error = await rejection(drain(bytes, 'hr-2024-01.xlsx'));
    expect(error).toBeInstanceOf(IngestError);
    const e = error as IngestError;
    expect([e.code, e.file, e.row, e.column]).toEqual(['FILE_BINARY', 'hr-2024-01.xlsx', 250, '业务类型']);
    expect(e.message).toMatch(/^FILE_BINARY: file "hr-2024-01\.xlsx", line 250, column "业务类型": .*NUL/);
    expect(e.message).not.toContain('5be1d2');
  });

  it('refuses it in the first data row and in the header row too', async () => {
    const first = edited(await workbook(3, 2), 'xl/sharedStrings.xml', '_x0000_');
    const e1 = (await rejection(drain(first, 'a.xlsx'))) as IngestError;
    expect([e1.code, e1.row, e1.column]).toEqual(['FILE_BINARY', 2, '业务类型']);

    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('数据').addRows([
      ['公民身份号码', MARKER],
      ['110105194912310021', 'x'],
    ]);
    const header = edited(Buffer.from(await wb.xlsx.writeBuffer()), 'xl/sharedStrings.xml', '姓名_x0000_');
    const e2 = (await rejection(drain(header, 'b.xlsx'))) as IngestError;
    expect([e2.code, e2.row, e2.column]).toEqual(['FILE_BINARY', 1, 'column 2']);
  });

  it('refuses a raw NUL or `&#0;` in the XML as an unreadable workbook, naming the file', async () => {
    const base = await workbook(3, 3);
    for (const xml of ['a\u0000b', 'a&#0;b']) {
      const e = (await rejection(drain(edited(base, 'xl/sharedStrings.xml', xml), 'c.xlsx'))) as IngestError;
      expect([e.code, e.file]).toEqual(['XLSX_UNREADABLE', 'c.xlsx']);
    }
  });

  it('leaves other escapes and a workbook without NUL alone', async () => {
    // `_x005F_x0000_` is the escaped text "_x0000_" itself (no NUL); `_x0001_` is a control
    // character that Postgres text holds, passed on as the CSV reader passes it on
    const base = await workbook(3, 3);
    const literal = await drain(edited(base, 'xl/sharedStrings.xml', 'a_x005F_x0000_b'), 'd.xlsx');
    expect(literal[1]?.[2]).toBe('a_x0000_b');
    const control = await drain(edited(base, 'xl/sharedStrings.xml', 'a_x0001_b'), 'e.xlsx');
    expect(control[1]?.[2]).toBe('a\u0001b');
    expect(await drain(await workbook(300, -1), 'clean.xlsx')).toHaveLength(300);
  });
});
