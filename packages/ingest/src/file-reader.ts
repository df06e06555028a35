// One entry point for a delivered file: the format is decided by its first bytes (magic
// numbers), never by its name — departments send `.csv` files that are workbooks and `.xls`
// files that are CSV.

import { detectFileEncoding, displayFileName, openCsv, readHead, type CsvReadOptions } from './csv-reader.ts';
import { SAMPLE_BYTES } from './encoding.ts';
import { IngestError } from './errors.ts';
import type { SourceTable, TableFormat } from './table.ts';
import { openXlsx, type XlsxReadOptions } from './xlsx-reader.ts';

export type OpenTableOptions = CsvReadOptions & XlsxReadOptions;

const ZIP = [0x50, 0x4b, 0x03, 0x04] as const; // PK\3\4: XLSX (and every other zip)
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06] as const;
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const; // legacy .xls, encrypted .xlsx

function startsWith(buf: Buffer, bytes: readonly number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

/** The format of a file from its first bytes: `xlsx` for a zip, else `csv` (text is checked later). */
export function sniffFormat(head: Buffer, file = '<input>'): TableFormat {
  if (head.length === 0) throw new IngestError('FILE_EMPTY', 'the file is empty (0 bytes)', { file });
  if (startsWith(head, ZIP) || startsWith(head, ZIP_EMPTY)) return 'xlsx';
  if (startsWith(head, OLE2)) {
    throw new IngestError(
      'UNSUPPORTED_FORMAT',
      'this is a legacy Excel .xls file or a password-protected workbook; save it as .xlsx (without password) or CSV',
      { file },
    );
  }
  return 'csv';
}

/**
 * Open a delivered table (CSV or XLSX), read its header row and peek at its first data row.
 * A header-only file is not an error: `headerOnly` is true and `rows` yields nothing.
 *
 * Throws IngestError: FILE_EMPTY, FILE_BINARY, FILE_UNDECODABLE, UNSUPPORTED_FORMAT,
 * XLSX_TOO_LARGE (also a zip bomb: zip-guard.ts), XLSX_UNREADABLE; iterating CSV rows may throw
 * FILE_UNDECODABLE, FILE_TRUNCATED, QUOTE_UNBALANCED, LINE_TOO_LONG. Messages name the file by
 * `options.fileName` (the delivered name), else the path's last segment — never its directory. Call `close()` if you stop before the end of `rows`.
 */
export async function openTable(path: string, options: OpenTableOptions = {}): Promise<SourceTable> {
  const head = await readHead(path, SAMPLE_BYTES);
  const file = displayFileName(path, options.fileName);
  const format = sniffFormat(head, file);
  if (format === 'xlsx') return openXlsx(path, { ...options, fileName: file });
  const encoding = options.encoding ?? (await detectFileEncoding(path, head, file));
  return openCsv(path, { ...options, encoding, fileName: file });
}

/** True when the table has a header and no data row (the caller decides whether that is an error). */
export function isHeaderOnly(table: Pick<SourceTable, 'headerOnly'>): boolean {
  return table.headerOnly;
}
