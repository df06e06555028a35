// A NUL byte past the first SAMPLE_BYTES (which encoding detection reads) is refused while the
// file streams, with the row and column, before any of it reaches COPY (where Postgres would fail
// with `invalid byte sequence for encoding "UTF8": 0x00`). Messages name the delivered file's name
// when the caller gives one, never the path it is stored under.
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_BYTES } from './encoding.ts';
import { IngestError } from './errors.ts';
import { openTable } from './file-reader.ts';
import { rejection, tempDir } from './ingest.fixture.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HEADER = '公民身份号码,姓名,业务类型\n';
/** `rows` data lines; line `nulLine` (spreadsheet numbering: header = 1) has a NUL in its third cell. */
function csv(rows: number, nulLine: number): string {
  const lines = [HEADER];
  for (let line = 2; line <= rows + 1; line++) {
    lines.push(
      `11010519491231${String(line % 10000).padStart(4, '0')},张三,${line === nulLine ? 'a\0b' : '失业登记'}\n`,
    );
  }
  return lines.join('');
}

async function drain(path: string, name?: string): Promise<number> {
  const table = await openTable(path, name === undefined ? {} : { fileName: name });
  let n = 0;
  for await (const _ of table.rows) n++;
  return n;
}

describe('NUL bytes', () => {
  const rows = 5_000; // ~200 KiB: the NUL near the end is far past the sampled start
  const text = csv(rows, rows);
  it('are beyond the sample the encoding detection reads', () => {
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * SAMPLE_BYTES);
    expect(Buffer.from(text).indexOf(0)).toBeGreaterThan(SAMPLE_BYTES);
  });

  it.each([
    ['utf8', Buffer.from(text, 'utf8')],
    ['gb18030', iconv.encode(text, 'gbk')],
  ] as const)('refuse a %s file with the file name, row and column', async (_encoding, bytes) => {
    const stored = tmp.file('3f9a0c.bin', bytes);
    const error = await rejection(drain(stored, 'hr-2024-01.csv'));
    expect(error).toBeInstanceOf(IngestError);
    const e = error as IngestError;
    expect(e.code).toBe('FILE_BINARY');
    expect(e.row).toBe(rows);
    expect(e.column).toBe('业务类型');
    expect(e.message).toMatch(
      /^FILE_BINARY: file "hr-2024-01\.csv", line 5000, column "业务类型": .*NUL byte/,
    );
    expect(e.message).not.toContain(stored);
    expect(e.message).not.toContain('3f9a0c');
  });

  it('are found in a quoted cell, and in a chunk split anywhere', async () => {
    const quoted = text.replace('a\0b', '"x\0"');
    const error = (await rejection(
      openTable(tmp.file('quoted.csv', Buffer.from(quoted)), { chunkBytes: 777 }).then(async (t) => {
        for await (const _ of t.rows);
      }),
    )) as IngestError;
    expect([error.code, error.row, error.column]).toEqual(['FILE_BINARY', rows, '业务类型']);
  });

  it('leave a file without them alone', async () => {
    expect(await drain(tmp.file('clean.csv', Buffer.from(csv(rows, -1))))).toBe(rows);
  });

  it('within the sample are refused as binary, naming the delivered file', async () => {
    const error = (await rejection(
      drain(tmp.file('ab12.bin', Buffer.from(csv(10, 3))), 'medical.csv'),
    )) as IngestError;
    expect(error.code).toBe('FILE_BINARY');
    expect(error.message).toContain('"medical.csv"');
    expect(error.message).not.toContain('ab12');
  });
});
