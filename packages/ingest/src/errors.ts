// Errors that refuse a whole file (domain §2.3: "a bad file is refused whole with a clear error,
// and nothing of it is applied"). A bad *row* is never an IngestError: it is a RowReject
// (row-mapper.ts) and the rest of the file goes on.
//
// Messages are for the data administrator: English, naming the file, the line (spreadsheet row
// number: header = 1) and the column as its header reads in the file. They never carry a cell
// value that could be personal data (ID number, name).

/**
 * Stable codes (API, CLI exit reasons and the import report depend on them; never rename):
 *
 * - `FILE_EMPTY`        the file has no bytes, or no header row (only blank lines / an empty sheet).
 * - `FILE_BINARY`       not a text table: NUL bytes or many control characters (an image, a PDF, …)
 *                       near the start; or a NUL byte further down, refused while streaming with
 *                       its row and column (Postgres text cannot hold NUL).
 * - `FILE_UNDECODABLE`  bytes that are valid in none of the accepted encodings (UTF-8, GB18030);
 *                       `byteOffset` says where.
 * - `FILE_TRUNCATED`    the file ends inside a quoted field (cut off mid-row).
 * - `QUOTE_UNBALANCED`  a quote opened in a cell is closed only rows later: the rows in between
 *                       would become one cell (`row`, `column`: where the quote opens).
 * - `LINE_TOO_LONG`     one CSV record exceeds the record size limit (1 MiB by default): not a
 *                       real table row (a runaway quote or a file without line breaks).
 * - `HEADER_MISMATCH`   the header row does not fit the feed's column mapping (a required column is
 *                       missing, no optional column matches, or a mapped column is ambiguous).
 * - `WRONG_FEED`        the header row fits another feed's mapping clearly better (`suggestedFeed`).
 * - `XLSX_TOO_LARGE`    the workbook is larger than the size cap of the whole-file XLSX reader.
 * - `XLSX_UNREADABLE`   a zip file that is not a readable XLSX workbook (corrupt, .docx, .ods, …).
 * - `UNSUPPORTED_FORMAT` a known format we do not read: legacy .xls / encrypted workbooks (OLE2),
 *                       UTF-16 / UTF-32 text.
 */
export const INGEST_ERROR_CODES = [
  'FILE_EMPTY',
  'FILE_BINARY',
  'FILE_UNDECODABLE',
  'FILE_TRUNCATED',
  'QUOTE_UNBALANCED',
  'LINE_TOO_LONG',
  'HEADER_MISMATCH',
  'WRONG_FEED',
  'XLSX_TOO_LARGE',
  'XLSX_UNREADABLE',
  'UNSUPPORTED_FORMAT',
] as const;

export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number];

/** Structured facts behind the message, for the import report and the API. */
export interface IngestErrorDetails {
  /** FILE_UNDECODABLE: offset of the first bad byte in the file (counting any BOM). */
  byteOffset?: number;
  /** HEADER_MISMATCH: target fields whose column was not found. */
  missingFields?: string[];
  /** HEADER_MISMATCH / WRONG_FEED: headers in the file that the mapping does not know. */
  unknownColumns?: string[];
  /** HEADER_MISMATCH: headers matched by more than one column (ambiguous). */
  ambiguousColumns?: string[];
  /** WRONG_FEED: the feed whose mapping fits the headers clearly better. */
  suggestedFeed?: string;
  /** XLSX_TOO_LARGE: the file size and the cap, in bytes. */
  sizeBytes?: number;
  limitBytes?: number;
}

export interface IngestErrorInit {
  file: string;
  /** Spreadsheet row number (header row = 1 unless blank lines precede it). */
  row?: number;
  /** The column's header as it reads in the file. */
  column?: string;
  details?: IngestErrorDetails;
  cause?: unknown;
}

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: IngestErrorCode;
  readonly file: string;
  readonly row: number | undefined;
  readonly column: string | undefined;
  readonly details: IngestErrorDetails;
  /** The explanation without the file/row/column prefix. */
  readonly detail: string;

  constructor(code: IngestErrorCode, detail: string, init: IngestErrorInit) {
    super(formatMessage(code, detail, init), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.file = init.file;
    this.row = init.row;
    this.column = init.column;
    this.details = init.details ?? {};
    this.detail = detail;
  }
}

export function isIngestError(e: unknown, code?: IngestErrorCode): e is IngestError {
  return e instanceof IngestError && (code === undefined || e.code === code);
}

function formatMessage(code: IngestErrorCode, detail: string, init: IngestErrorInit): string {
  let where = `file "${init.file}"`;
  if (init.row !== undefined) where += `, line ${init.row}`;
  if (init.column !== undefined) where += `, column "${init.column}"`;
  return `${code}: ${where}: ${detail}`;
}

/**
 * A column-mapping file (infra/feeds/*.yaml) that cannot be used. Configuration error, not a
 * data error: the import cannot start. `key` is the dotted path of the offending entry, e.g.
 * `fields.stage.values`.
 */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  readonly file: string;
  readonly key: string | undefined;

  constructor(file: string, key: string | undefined, detail: string, cause?: unknown) {
    super(
      `mapping "${file}"${key === undefined || key === '' ? '' : `, key "${key}"`}: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
    this.file = file;
    this.key = key;
  }
}
