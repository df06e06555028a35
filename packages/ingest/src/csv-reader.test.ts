import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCrOnlyLineEnds, openCsv } from './csv-reader.ts';
import { SAMPLE_BYTES } from './encoding.ts';
import { IngestError } from './errors.ts';
import { openTable } from './file-reader.ts';
import { isBlankRow, type SourceRow, type SourceTable } from './table.ts';
import { csvParseReference, pick, prng, randomCsv, rejection, tempDir } from './ingest.fixture.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function all(t: SourceTable): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of t.rows) out.push(r);
  return out;
}

/** Open and read to the end; the file error (from either step) or the number of rows. */
async function drain(path: string): Promise<number> {
  const t = await openTable(path);
  let n = 0;
  for await (const _ of t.rows) n++;
  return n;
}

function code(e: unknown): string | undefined {
  return e instanceof IngestError ? e.code : undefined;
}

const HR =
  '公民身份号码,姓名,业务类型,业务日期,月收入\r\n110105194912310021,張 三,失业登记,2024/1/2,"5,000.00"\r\n0011,李四,灵活就业,20240105,\r\n1.30802E+17,王五,停保,2024年1月2日,3000元\r\n';

describe('CSV encodings', () => {
  it.each([
    ['utf8', Buffer.from(HR, 'utf8')],
    ['utf8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HR, 'utf8')])],
    ['gb18030', iconv.encode(HR, 'gbk')],
  ] as const)('reads %s the same', async (encoding, bytes) => {
    const t = await openTable(tmp.file(`hr-${encoding}.csv`, bytes));
    expect(t.format).toBe('csv');
    expect(t.encoding).toBe(encoding);
    expect(t.headers).toEqual(['公民身份号码', '姓名', '业务类型', '业务日期', '月收入']);
    expect(t.headerRowNo).toBe(1);
    expect(t.headerOnly).toBe(false);
    const rows = await all(t);
    expect(rows.map((r) => r.rowNo)).toEqual([2, 3, 4]);
    // never cast: leading zeros, 18 digits and scientific notation stay text
    expect(rows.map((r) => r.cells[0])).toEqual(['110105194912310021', '0011', '1.30802E+17']);
    expect(rows[0]?.cells).toEqual(['110105194912310021', '張 三', '失业登记', '2024/1/2', '5,000.00']);
    expect(rows[1]?.cells[4]).toBe('');
    expect(rows[0]?.numericCells).toBeUndefined();
    expect(t.stats).toEqual({ dataRows: 3, blankRows: 0 });
  });

  it.each([
    ['gbk', 'gb18030', '张'],
    ['gb18030', 'gb18030', '𠀀'], // a 4-byte GB18030 sequence
    ['utf8', 'utf8', '张'],
    ['utf8', 'utf8', '𠀀'],
  ] as const)(
    'decodes %s text with %s straddling the detection sample and the read chunks (%s)',
    async (enc, detected, ch) => {
      const header = '姓名,备注\n';
      const lead = `${header}x,`;
      const k = SAMPLE_BYTES - 1 - iconv.encode(lead, enc).length; // the character starts 1 byte before the edge
      const tail = enc === 'gbk' ? '龘鑫' : '𠀀龘'; // GBK has no U+20000
      const text = `${lead}${'a'.repeat(k)}${ch}李四\n王五,${tail}\n`;
      const bytes = iconv.encode(text, enc);
      expect(iconv.encode(`${lead}${'a'.repeat(k)}`, enc).length).toBe(SAMPLE_BYTES - 1);
      for (const chunkBytes of [7, 4096, 256 * 1024]) {
        const t = await openCsv(tmp.file('edge.csv', bytes), { chunkBytes });
        expect(t.encoding).toBe(detected);
        expect(t.headers).toEqual(['姓名', '备注']);
        const rows = await all(t);
        expect(rows.map((r) => r.cells)).toEqual([
          ['x', `${'a'.repeat(k)}${ch}李四`],
          ['王五', tail],
        ]);
      }
    },
  );

  it('decides on the first non-ASCII bytes when the first 64 KiB are ASCII', async () => {
    const header = 'name,note\n';
    const filler = `x,${'a'.repeat(SAMPLE_BYTES * 3)}`;
    for (const enc of ['gbk', 'utf8'] as const) {
      const text = `${header}${filler}张三李四\n王五,龘鑫\n`;
      const t = await openTable(tmp.file(`ascii-head-${enc}.csv`, iconv.encode(text, enc)));
      expect(t.encoding).toBe(enc === 'gbk' ? 'gb18030' : 'utf8');
      expect((await all(t)).map((r) => r.cells[1])).toEqual([
        `${'a'.repeat(SAMPLE_BYTES * 3)}张三李四`,
        '龘鑫',
      ]);
    }
    const ascii = await openTable(tmp.file('ascii.csv', `${header}${filler}\n`));
    expect(ascii.encoding).toBe('utf8');
  });

  it('decodes UTF-8 characters straddling the read chunks', async () => {
    const text = `姓名,备注\n${'张三,𠀀龘中文\n'.repeat(3000)}`;
    const t = await openCsv(tmp.file('utf8-chunks.csv', text), { chunkBytes: 5 });
    const rows = await all(t);
    expect(rows).toHaveLength(3000);
    expect(rows.every((r) => r.cells[0] === '张三' && r.cells[1] === '𠀀龘中文')).toBe(true);
  });
});

describe('CSV rows', () => {
  it('numbers rows as a spreadsheet does: blank lines count, quoted line breaks do not', async () => {
    const text = '\n\na,b\r\n1,"multi\r\nline"\r\n\r\n,,\r\n  , \r\n2,x\r\n3\r\n4,y,extra\r\n';
    const t = await openTable(tmp.file('rows.csv', text));
    expect(t.headerRowNo).toBe(3);
    const rows = await all(t);
    expect(rows.map((r) => [r.rowNo, r.cells])).toEqual([
      [4, ['1', 'multi\r\nline']],
      [8, ['2', 'x']],
      [9, ['3']], // short row: yielded as is (the row mapper rejects it)
      [10, ['4', 'y', 'extra']],
    ]);
    expect(t.stats).toEqual({ dataRows: 4, blankRows: 3 });
  });

  it('keeps stray quotes inside cells', async () => {
    const t = await openTable(tmp.file('quotes.csv', 'a,b\n张"小明",x\n"q""q",y\n'));
    expect((await all(t)).map((r) => r.cells)).toEqual([
      ['张"小明"', 'x'],
      ['q"q', 'y'],
    ]);
  });

  it('reports a header-only file as such', async () => {
    for (const text of ['a,b\n', 'a,b', 'a,b\r\n\r\n\r\n']) {
      const t = await openTable(tmp.file('header-only.csv', text));
      expect(t.headers).toEqual(['a', 'b']);
      expect(t.headerOnly).toBe(true);
      expect(await all(t)).toEqual([]);
    }
  });

  it('can be closed before or during iteration', async () => {
    const text = `a,b\n${'1,2\n'.repeat(100_000)}`;
    const p = tmp.file('big.csv', text);
    const t1 = await openTable(p);
    await t1.close();
    const t2 = await openTable(p);
    let n = 0;
    for await (const _ of t2.rows) if (++n === 10) break;
    expect(n).toBe(10);
    await t2.close();
  });
});

describe('broken CSV files', () => {
  it('refuses an empty file and a file of blank lines', async () => {
    for (const [name, data] of [
      ['empty.csv', ''],
      ['blank.csv', '\r\n\n  \n'],
      ['bom-only.csv', Buffer.from([0xef, 0xbb, 0xbf])],
    ] as const) {
      const e = await rejection(openTable(tmp.file(name, data)));
      expect(code(e)).toBe('FILE_EMPTY');
      expect((e as Error).message).toContain(name);
    }
  });

  it('refuses binary files', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      Buffer.alloc(200, 0x11),
    ]);
    expect(code(await rejection(openTable(tmp.file('image.csv', png))))).toBe('FILE_BINARY');
    let seed = 1;
    const random = Buffer.alloc(100_000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0), seed >>> 24));
    expect(code(await rejection(openTable(tmp.file('random.csv', random))))).toBe('FILE_BINARY');
  });

  it('refuses legacy .xls / encrypted workbooks', async () => {
    const ole2 = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(512),
    ]);
    expect(code(await rejection(openTable(tmp.file('old.xls', ole2))))).toBe('UNSUPPORTED_FORMAT');
  });

  it('refuses a file truncated inside a quoted cell', async () => {
    const t = await openTable(tmp.file('truncated.csv', 'a,b\n1,x\n2,"cut off he'));
    const seen: number[] = [];
    const e = await rejection(
      (async () => {
        for await (const r of t.rows) seen.push(r.rowNo);
      })(),
    );
    expect(seen).toEqual([2]);
    expect(code(e)).toBe('FILE_TRUNCATED');
    expect((e as IngestError).row).toBe(3);
    expect((e as Error).message).toContain('truncated.csv');
  });

  it('yields a row cut off without a quote as a short row (a row reject, not a file error)', async () => {
    const t = await openTable(tmp.file('cut.csv', 'a,b,c\n1,2,3\n4,5'));
    expect((await all(t)).map((r) => r.cells)).toEqual([
      ['1', '2', '3'],
      ['4', '5'],
    ]);
  });

  it('refuses invalid bytes in the middle of a UTF-8 file (after the detection sample)', async () => {
    const good = Buffer.from(`姓名,证件号码\n${'张三,1\n'.repeat(20_000)}`, 'utf8');
    expect(good.length).toBeGreaterThan(SAMPLE_BYTES);
    const bytes = Buffer.concat([good, iconv.encode('李四,2\n', 'gbk'), Buffer.from('王五,3\n')]);
    const path = tmp.file('mixed.csv', bytes);
    for (const chunkBytes of [256 * 1024, 4096]) {
      const e = await rejection(
        (async () => {
          const t = await openCsv(path, { chunkBytes });
          expect(t.encoding).toBe('utf8');
          for await (const _ of t.rows);
        })(),
      );
      expect(code(e)).toBe('FILE_UNDECODABLE');
      expect((e as IngestError).details.byteOffset).toBe(good.length);
      expect((e as IngestError).row).toBe(20_002);
      expect((e as Error).message).toContain(`byte offset ${good.length}`);
    }
  });

  it('refuses a 10 MB line', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const e1 = await rejection(openTable(tmp.file('one-line.csv', huge)));
    expect(code(e1)).toBe('LINE_TOO_LONG');
    expect((e1 as IngestError).row).toBe(1);

    const t = await openTable(tmp.file('long-row.csv', `a,b\n1,2\n3,${huge}\n5,6\n`));
    const e2 = await rejection(
      (async () => {
        for await (const _ of t.rows);
      })(),
    );
    expect(code(e2)).toBe('LINE_TOO_LONG');
    expect((e2 as IngestError).row).toBe(3);
  });

  it('refuses a runaway quote before the end as a too long line', async () => {
    const e = await rejection(
      drain(tmp.file('runaway.csv', `a,b\n0,x\n1,"open\n${'2,3\n'.repeat(300_000)}`)),
    );
    expect(code(e)).toBe('LINE_TOO_LONG');
    expect((e as IngestError).row).toBe(3);
    expect((e as Error).message).toContain('quote');
  });
});

/** What a caller of openCsv sees: the open error, or the table, its rows and the reading error. */
type ReadResult =
  | { opened: false; error: [string | undefined, number | undefined] }
  | {
      opened: true;
      headers: readonly string[];
      headerRowNo: number;
      headerOnly: boolean;
      rows: [number, readonly string[]][];
      stats: { dataRows: number; blankRows: number };
      error: [string | undefined, number | undefined] | undefined;
    };

const CSV_PARSE_ERRORS: Record<string, string> = {
  QUOTE_NOT_CLOSED: 'FILE_TRUNCATED',
  MAX_RECORD_SIZE: 'LINE_TOO_LONG',
};

/**
 * The reader as it was on top of csv-parse: its records, numbered and filtered the same way — with
 * the two deliberate differences since: CR-only line ends are line ends (hasCrOnlyLineEnds), and a
 * quote left open over whole rows refuses the file (QUOTE_UNBALANCED, see swallowedRowsCell).
 */
function expectedRead(raw: Buffer, maxRecordBytes: number): ReadResult {
  const bytes = hasCrOnlyLineEnds(raw) ? Buffer.from(raw.map((b) => (b === 0x0d ? 0x0a : b))) : raw;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const { records, error } = csvParseReference(bom ? bytes.subarray(3) : bytes, maxRecordBytes); // the decoder strips one BOM
  // a record with a NUL byte in a cell refuses the file there (FILE_BINARY), before any later error
  let nul: [string, number] | undefined;
  let unbalancedAt: number | undefined;
  const fileError = (): [string | undefined, number] =>
    nul ??
    (unbalancedAt !== undefined
      ? ['QUOTE_UNBALANCED', unbalancedAt]
      : [CSV_PARSE_ERRORS[error ?? ''], records.length + 1]);
  const stats = { dataRows: 0, blankRows: 0 };
  let width = -1; // set once the header is read
  let i = 0;
  const next = (): [number, string[]] | 'end' | 'error' => {
    for (; i < records.length; i++) {
      const cells = records[i] ?? [];
      if (cells.some((c) => c.includes('\0'))) {
        nul = ['FILE_BINARY', i + 1];
        return 'error';
      }
      if (!isBlankRow(cells)) {
        const rowNo = ++i;
        if (width !== -1 && swallowsRows(cells, width)) {
          unbalancedAt = rowNo;
          return 'error';
        }
        return [rowNo, cells];
      }
      stats.blankRows++;
    }
    return error === undefined ? 'end' : 'error';
  };
  const header = next();
  if (header === 'end') return { opened: false, error: ['FILE_EMPTY', undefined] };
  if (header === 'error') return { opened: false, error: fileError() };
  width = header[1].length;
  stats.blankRows = 0;
  const rows: [number, readonly string[]][] = [];
  let row = next();
  if (row === 'error') return { opened: false, error: fileError() };
  const headerOnly = row === 'end';
  for (; row !== 'end' && row !== 'error'; row = next()) {
    stats.dataRows++;
    rows.push(row);
  }
  const [headerRowNo, headers] = header;
  return {
    opened: true,
    headers,
    headerRowNo,
    headerOnly,
    rows,
    stats,
    error: row === 'error' ? fileError() : undefined,
  };
}

/** swallowedRowsCell on csv-parse's cells: a cell with an LF came from quotes. */
function swallowsRows(cells: readonly string[], width: number): boolean {
  const at = cells.findIndex((c) => c.includes('\n'));
  if (at === -1) return false;
  if (cells.length !== width) return true;
  return (cells[at]!.match(/,/g)?.length ?? 0) >= Math.max(width - 1, 1);
}

async function actualRead(path: string, maxRecordBytes: number, chunkBytes: number): Promise<ReadResult> {
  const failure = (e: unknown): [string | undefined, number | undefined] => {
    if (!(e instanceof IngestError)) throw e;
    return [e.code, e.row];
  };
  let t: SourceTable;
  try {
    t = await openCsv(path, { encoding: 'utf8', maxRecordBytes, chunkBytes });
  } catch (e) {
    return { opened: false, error: failure(e) };
  }
  const rows: [number, readonly string[]][] = [];
  let error: [string | undefined, number | undefined] | undefined;
  try {
    for await (const r of t.rows) rows.push([r.rowNo, r.cells]);
  } catch (e) {
    error = failure(e);
  }
  const { headers, headerRowNo, headerOnly } = t;
  return { opened: true, headers, headerRowNo, headerOnly, rows, stats: { ...t.stats }, error };
}

describe('CSV reader against csv-parse', () => {
  it('reads random files as the csv-parse reader did: cells, row numbers, blank rows and errors', async () => {
    const rnd = prng(7);
    for (let i = 0; i < 300; i++) {
      const bytes = randomCsv(rnd);
      const max = pick(rnd, [1024 * 1024, 1 + rnd(40)]);
      const chunkBytes = pick(rnd, [1 + rnd(16), 256 * 1024]);
      const path = tmp.file('random.csv', bytes);
      expect({ input: bytes.toString('utf8'), ...(await actualRead(path, max, chunkBytes)) }).toEqual({
        input: bytes.toString('utf8'),
        ...expectedRead(bytes, max),
      });
    }
  });
});
