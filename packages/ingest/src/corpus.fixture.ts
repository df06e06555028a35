// The broken-file corpus (issue 15 point 5): every kind of bad delivery we know of, generated on
// the fly (nothing binary is committed). Each entry says what the import must make of it: refused
// whole with a code, or accepted with every row accounted for (read = accepted + rejected).
// Used by packages/pipeline/src/imports/corpus.test.ts through the real import job.

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { idCheckDigit } from '@ew/core';

export type CorpusOutcome =
  | { refused: string; row?: number; column?: string }
  | {
      /** Rows read (non-blank data rows). */
      read: number;
      accepted: number;
      /** Distinct rows rejected, with their reasons (row → reasons). */
      rejects?: Record<number, string[]>;
      /** Checks on the staged rows: row_no → expected name / id_status / payload fields. */
      staged?: Record<number, { name?: string; id_status?: string; payload?: Record<string, unknown> }>;
    };

export interface CorpusCase {
  kind: string;
  /** The file name as delivered (the refusal message must name it, never a server path). */
  fileName: string;
  feed: string;
  bytes: () => Buffer | Promise<Buffer>;
  expect: CorpusOutcome;
}

function id(birth: string, seq: number): string {
  const first17 = `130802${birth}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}
export const CORPUS_IDS = [id('19800102', 11), id('19900304', 22), id('19750506', 31), id('19660708', 41)];
const [P1, P2, P3, P4] = CORPUS_IDS as [string, string, string, string];

export const HR_HEADER = ['公民身份号码', '姓名', '业务类型', '业务日期', '月收入'];
const HR_ROWS = [
  [P1, '张三', '失业登记', '2023-03-01', ''],
  [P2, '李四', '灵活就业', '2023-02-01', '1200'],
  [P3, '王五', '停保', '2023-01-15', ''],
];
const lines = (rows: string[][], eol = '\n'): string => rows.map((r) => r.join(',')).join(eol) + eol;
const HR_CSV = lines([HR_HEADER, ...HR_ROWS]);
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

// --- a minimal zip writer (stored names, deflated data), enough for .docx / .xlsx look-alikes ---

export function zip(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = deflateRawSync(e.data, { level: 9 });
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const CONTENT_TYPES = (main: string) =>
  utf8(
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      `<Override PartName="${main}" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
  );

function docx(): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: CONTENT_TYPES('/word/document.xml') },
    {
      name: '_rels/.rels',
      data: utf8(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
    },
    {
      name: 'word/document.xml',
      data: utf8(
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>公民身份号码 姓名</w:t></w:r></w:p></w:body></w:document>',
      ),
    },
  ]);
}

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A real workbook whose sheet XML is padded with white space that inflates to `inflated` bytes. */
async function xlsxBomb(inflated: number): Promise<Buffer> {
  const good = await workbook((wb) => wb.addWorksheet('数据').addRows([HR_HEADER, ...HR_ROWS]));
  // re-pack: the same parts, sheet1.xml with a huge run of spaces before </worksheet>
  const parts = readZip(good);
  return zip(
    parts.map((p) =>
      p.name === 'xl/worksheets/sheet1.xml'
        ? {
            name: p.name,
            data: Buffer.concat([
              p.data.subarray(0, p.data.lastIndexOf('</worksheet>')),
              Buffer.alloc(inflated, 0x20),
              utf8('</worksheet>'),
            ]),
          }
        : p,
    ),
  );
}

/** The entries of a zip (central directory; deflate or stored). For the fixtures only. */
export function readZip(buf: Buffer): Array<{ name: string; data: Buffer }> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

function utf16(text: string, be: boolean, bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf16le');
  if (be) for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array<number>(504).fill(0)]);

/** Pseudo-random bytes, the same on every run. */
function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    b[i] = s >>> 16;
  }
  return b;
}

const ok3 = { read: 3, accepted: 3 };

export const CORPUS: CorpusCase[] = [
  {
    kind: 'empty file',
    fileName: 'empty.csv',
    feed: 'hr',
    bytes: () => Buffer.alloc(0),
    expect: { refused: 'FILE_EMPTY' },
  },
  {
    kind: 'blank lines only',
    fileName: 'blank.csv',
    feed: 'hr',
    bytes: () => utf8('\n\r\n  \n'),
    expect: { refused: 'FILE_EMPTY' },
  },
  {
    kind: 'header only',
    fileName: 'header-only.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER])),
    expect: { read: 0, accepted: 0 },
  },
  {
    kind: 'binary garbage (PNG)',
    fileName: 'photo.csv',
    feed: 'hr',
    bytes: () => Buffer.concat([PNG, garbage(2000)]),
    expect: { refused: 'FILE_BINARY' },
  },
  {
    kind: 'random bytes',
    fileName: 'random.csv',
    feed: 'hr',
    bytes: () => garbage(5000),
    expect: { refused: 'FILE_BINARY' },
  },
  {
    kind: 'UTF-16 LE with BOM',
    fileName: 'u16le-bom.csv',
    feed: 'hr',
    bytes: () => utf16(HR_CSV, false, true),
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'UTF-16 BE with BOM',
    fileName: 'u16be-bom.csv',
    feed: 'hr',
    bytes: () => utf16(HR_CSV, true, true),
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'UTF-16 LE without BOM',
    fileName: 'u16le.csv',
    feed: 'hr',
    bytes: () => utf16(HR_CSV, false, false),
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'UTF-16 BE without BOM',
    fileName: 'u16be.csv',
    feed: 'hr',
    bytes: () => utf16(HR_CSV, true, false),
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'UTF-32 LE with BOM',
    fileName: 'u32.csv',
    feed: 'hr',
    bytes: () => Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf16(HR_CSV, false, false)]),
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'GBK',
    fileName: 'gbk.csv',
    feed: 'hr',
    bytes: () => iconv.encode(HR_CSV, 'gbk'),
    expect: { ...ok3, staged: { 2: { name: '张三' } } },
  },
  {
    kind: 'GBK rows inside UTF-8 (near the start)',
    fileName: 'mixed-start.csv',
    feed: 'hr',
    bytes: () =>
      Buffer.concat([utf8(HR_CSV), iconv.encode(lines([[P4, '赵六', '失业登记', '2023-03-02', '']]), 'gbk')]),
    expect: { refused: 'FILE_UNDECODABLE', row: 5 },
  },
  {
    kind: 'GBK rows inside UTF-8 (after the detection sample)',
    fileName: 'mixed-late.csv',
    feed: 'hr',
    bytes: () =>
      Buffer.concat([
        utf8(HR_CSV + lines(new Array<string[]>(2000).fill([P4, '赵六', '失业登记', '2023-03-02', '']))),
        iconv.encode(lines([[P4, '赵六', '失业登记', '2023-03-02', '']]), 'gbk'),
      ]),
    expect: { refused: 'FILE_UNDECODABLE', row: 2005 },
  },
  {
    kind: 'UTF-8 rows inside GBK',
    fileName: 'mixed-gbk.csv',
    feed: 'hr',
    bytes: () =>
      Buffer.concat([iconv.encode(HR_CSV, 'gbk'), utf8(lines([[P4, '赵六', '失业登记', '2023-03-02', '']]))]),
    expect: { refused: 'FILE_UNDECODABLE', row: 5 },
  },
  {
    kind: 'truncated multi-byte character at EOF',
    fileName: 'cut.csv',
    feed: 'hr',
    bytes: () => {
      const b = utf8(HR_CSV + `${P4},赵六`);
      return b.subarray(0, b.length - 1);
    },
    expect: { refused: 'FILE_TRUNCATED', row: 5 },
  },
  {
    kind: 'quote never closed (runs to EOF)',
    fileName: 'open-quote.csv',
    feed: 'hr',
    bytes: () => utf8(HR_CSV + `${P4},"赵六,失业登记,2023-03-02,\n`),
    expect: { refused: 'FILE_TRUNCATED', row: 5 },
  },
  {
    kind: 'unbalanced quote closed rows later',
    fileName: 'swallow.csv',
    feed: 'hr',
    bytes: () =>
      utf8(
        lines([
          HR_HEADER,
          HR_ROWS[0]!,
          [P2, '"李四', '灵活就业', '2023-02-01', '1200'],
          HR_ROWS[2]!,
          [P4, '赵六"', '失业登记', '2023-03-02', ''],
        ]),
      ),
    expect: { refused: 'QUOTE_UNBALANCED', row: 3, column: '姓名' },
  },
  {
    kind: 'stray quotes inside a cell',
    fileName: 'stray-quote.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, [P1, '张"三"', '失业登记', '2023-03-01', ''], HR_ROWS[1]!])),
    expect: { read: 2, accepted: 2 },
  },
  {
    kind: 'CR-only line endings (classic Mac)',
    fileName: 'mac.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, ...HR_ROWS], '\r')),
    expect: ok3,
  },
  {
    kind: 'CRLF line endings',
    fileName: 'crlf.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, ...HR_ROWS], '\r\n')),
    expect: ok3,
  },
  {
    kind: '10,000 columns',
    fileName: 'wide.csv',
    feed: 'hr',
    bytes: () => {
      const extra = Array.from({ length: 10_000 - HR_HEADER.length }, (_, i) => `备注${i + 1}`);
      const blanks = extra.map(() => '');
      return utf8(lines([[...HR_HEADER, ...extra], ...HR_ROWS.map((r) => [...r, ...blanks])]));
    },
    expect: ok3,
  },
  {
    kind: 'duplicated headers',
    fileName: 'dup-header.csv',
    feed: 'hr',
    bytes: () => utf8(lines([[...HR_HEADER, '姓名'], ...HR_ROWS.map((r) => [...r, 'x'])])),
    expect: { refused: 'HEADER_MISMATCH' },
  },
  {
    kind: 'wrong headers',
    fileName: 'wrong-header.csv',
    feed: 'hr',
    bytes: () => utf8('编号,名称,金额\n1,a,2\n'),
    expect: { refused: 'HEADER_MISMATCH' },
  },
  {
    kind: "another feed's file",
    fileName: 'medical.csv',
    feed: 'hr',
    bytes: () =>
      utf8(
        `身份证号,参保人姓名,出生日期,年度个人自付累计,大病慢特病标识,重度残疾标识\n${P1},张三,1980-01-02,100,否,否\n`,
      ),
    expect: { refused: 'WRONG_FEED' },
  },
  {
    kind: 'semicolon-separated',
    fileName: 'semicolon.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, ...HR_ROWS]).replaceAll(',', ';')),
    expect: { refused: 'HEADER_MISMATCH' },
  },
  {
    kind: 'legacy XLS (OLE2) named .xlsx',
    fileName: 'old.xlsx',
    feed: 'hr',
    bytes: () => OLE2,
    expect: { refused: 'UNSUPPORTED_FORMAT' },
  },
  {
    kind: 'DOCX named .xlsx',
    fileName: 'letter.xlsx',
    feed: 'hr',
    bytes: docx,
    expect: { refused: 'XLSX_UNREADABLE' },
  },
  {
    kind: 'plain ZIP named .xlsx',
    fileName: 'archive.xlsx',
    feed: 'hr',
    bytes: () => zip([{ name: 'hr.csv', data: utf8(HR_CSV) }]),
    expect: { refused: 'XLSX_UNREADABLE' },
  },
  {
    kind: 'truncated ZIP',
    fileName: 'cut.xlsx',
    feed: 'hr',
    bytes: () => zip([{ name: 'a.xml', data: utf8('x'.repeat(5000)) }]).subarray(0, 60),
    expect: { refused: 'XLSX_UNREADABLE' },
  },
  {
    kind: 'XLSX zip bomb (sheet inflates 1000-fold to 64 MB)',
    fileName: 'bomb.xlsx',
    feed: 'hr',
    bytes: () => xlsxBomb(64 * 1024 * 1024),
    expect: { refused: 'XLSX_TOO_LARGE' },
  },
  {
    kind: 'XLSX with a hidden first sheet',
    fileName: 'hidden.xlsx',
    feed: 'hr',
    bytes: () =>
      workbook((wb) => {
        wb.addWorksheet('说明', { state: 'hidden' }).addRows([['这张表是隐藏的'], ['x']]);
        wb.addWorksheet('数据').addRows([HR_HEADER, ...HR_ROWS]);
      }),
    expect: ok3,
  },
  {
    kind: 'XLSX formulas (cached results)',
    fileName: 'formulas.xlsx',
    feed: 'hr',
    bytes: () =>
      workbook((wb) => {
        const ws = wb.addWorksheet('数据');
        ws.addRows([HR_HEADER, ...HR_ROWS]);
        ws.getCell('E3').value = { formula: 'SUM(1000,200)', result: 1200 };
        ws.getCell('B2').value = { formula: 'CONCATENATE("张","三")', result: '张三' };
      }),
    expect: { ...ok3, staged: { 2: { name: '张三' }, 3: { payload: { monthly_income: 1200 } } } },
  },
  {
    kind: 'XLSX merged cells (ID merged over the name column)',
    fileName: 'merged.xlsx',
    feed: 'hr',
    bytes: () =>
      workbook((wb) => {
        const ws = wb.addWorksheet('数据');
        ws.addRows([HR_HEADER, ...HR_ROWS]);
        ws.mergeCells('A3:B3');
      }),
    expect: { read: 3, accepted: 2, rejects: { 3: ['REQUIRED_MISSING'] } },
  },
  {
    kind: 'XLSX 1904 date system',
    fileName: '1904.xlsx',
    feed: 'hr',
    bytes: () =>
      workbook((wb) => {
        wb.properties.date1904 = true;
        const ws = wb.addWorksheet('数据');
        ws.addRow(HR_HEADER);
        ws.addRow([P1, '张三', '失业登记', new Date(Date.UTC(2023, 2, 1)), '']);
        ws.getCell('D2').numFmt = 'yyyy-mm-dd';
      }),
    expect: { read: 1, accepted: 1, staged: { 2: { payload: { event_date: '2023-03-01' } } } },
  },
  {
    kind: 'XLSX ID typed as a number',
    fileName: 'numeric-id.xlsx',
    feed: 'hr',
    bytes: () =>
      workbook((wb) =>
        wb
          .addWorksheet('数据')
          .addRows([HR_HEADER, [Number(P1.slice(0, 17)) * 10, '张三', '失业登记', '2023-03-01', '']]),
      ),
    expect: { read: 1, accepted: 1, staged: { 2: { id_status: 'SCIENTIFIC_NOTATION' } } },
  },
  {
    kind: 'XLSX empty sheet',
    fileName: 'empty-sheet.xlsx',
    feed: 'hr',
    bytes: () => workbook((wb) => wb.addWorksheet('数据')),
    expect: { refused: 'FILE_EMPTY' },
  },
  {
    kind: 'a 10 MB single line',
    fileName: 'one-line.csv',
    feed: 'hr',
    bytes: () => utf8(HR_HEADER.join(',') + '\n' + 'x'.repeat(10 * 1024 * 1024)),
    expect: { refused: 'LINE_TOO_LONG', row: 2 },
  },
  {
    kind: 'BOM in the middle (two files concatenated)',
    fileName: 'concat.csv',
    feed: 'hr',
    bytes: () => utf8('\uFEFF' + HR_CSV + '\uFEFF' + lines([[P4, '赵六', '失业登记', '2023-03-02', '']])),
    expect: { read: 4, accepted: 4, staged: { 5: { id_status: 'VALID' } } },
  },
  {
    kind: 'trailing delimiters on every line',
    fileName: 'trailing.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, ...HR_ROWS]).replaceAll('\n', ',\n')),
    expect: ok3,
  },
  {
    kind: 'trailing delimiters on data rows only',
    fileName: 'trailing-rows.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER]) + lines(HR_ROWS).replaceAll('\n', ',,\n')),
    // a row with more cells than the header is a COLUMN_COUNT reject, even when they are empty
    expect: {
      read: 3,
      accepted: 0,
      rejects: { 2: ['COLUMN_COUNT'], 3: ['COLUMN_COUNT'], 4: ['COLUMN_COUNT'] },
    },
  },
  {
    kind: 'rows with missing and extra cells',
    fileName: 'ragged.csv',
    feed: 'hr',
    bytes: () =>
      utf8(lines([HR_HEADER, HR_ROWS[0]!, [P2, '李四', '灵活就业'], [...HR_ROWS[2]!, '多', '余']])),
    expect: { read: 3, accepted: 1, rejects: { 3: ['COLUMN_COUNT'], 4: ['COLUMN_COUNT'] } },
  },
  {
    kind: 'Excel-mangled IDs (1.30802E+17)',
    fileName: 'sci.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, ['1.30802E+17', '张三', '失业登记', '2023-03-01', ''], HR_ROWS[1]!])),
    expect: {
      read: 2,
      accepted: 2,
      staged: { 2: { id_status: 'SCIENTIFIC_NOTATION' }, 3: { id_status: 'VALID' } },
    },
  },
  {
    kind: 'full-width digits',
    fileName: 'fullwidth.csv',
    feed: 'hr',
    bytes: () =>
      utf8(
        lines([
          HR_HEADER,
          [
            P1.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
            '张三',
            '失业登记',
            '２０２３-０３-０１',
            '１，２００元',
          ],
        ]),
      ),
    expect: {
      read: 1,
      accepted: 1,
      staged: { 2: { id_status: 'VALID', payload: { monthly_income: 1200, event_date: '2023-03-01' } } },
    },
  },
  {
    kind: 'amount beyond numeric(12,2)',
    fileName: 'huge-amount.csv',
    feed: 'hr',
    bytes: () =>
      utf8(
        lines([HR_HEADER, [P1, '张三', '失业登记', '2023-03-01', '99999999999999999999999'], HR_ROWS[1]!]),
      ),
    expect: { read: 2, accepted: 1, rejects: { 2: ['BAD_AMOUNT'] } },
  },
  {
    kind: 'blank lines between rows',
    fileName: 'gaps.csv',
    feed: 'hr',
    bytes: () => utf8(lines([HR_HEADER, HR_ROWS[0]!, [], ['', '', '', '', ''], HR_ROWS[1]!])),
    expect: { read: 2, accepted: 2 },
  },
  {
    kind: 'unknown codes, bad dates, negative amounts',
    fileName: 'bad-cells.csv',
    feed: 'hr',
    bytes: () =>
      utf8(
        lines([
          HR_HEADER,
          [P1, '张三', '退休', '2023-03-01', ''],
          [P2, '李四', '灵活就业', '2023-02-30', '1200'],
          [P3, '王五', '停保', '2023-01-15', '-5'],
          [P4, '', '失业登记', '2023-01-15', ''],
        ]),
      ),
    expect: {
      read: 4,
      accepted: 0,
      rejects: { 2: ['UNKNOWN_CODE'], 3: ['BAD_DATE'], 4: ['NEGATIVE_AMOUNT'], 5: ['REQUIRED_MISSING'] },
    },
  },
  {
    kind: 'CSV text named .xlsx',
    fileName: 'really-csv.xlsx',
    feed: 'hr',
    bytes: () => utf8(HR_CSV),
    expect: ok3,
  },
];
