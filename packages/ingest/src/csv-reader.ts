// Streaming CSV reader: file → encoding detection → decoder → tokenizer → rows. Never loads the
// file whole; memory is bounded by the stream buffers and the record size limit.
//
// Comma-separated only (no delimiter sniffing); records end with CRLF or LF, or with CR alone
// when the file's first 64 KiB have no LF at all (classic Mac "CSV (Macintosh)"). Cells are never
// cast (an ID must stay text). A row with a different number of cells than the header is
// yielded as it is (the row mapper rejects it: COLUMN_COUNT); only whole-file problems throw.
// The tokenizer (csv-tokenizer.ts) splits as csv-parse did, about four times faster.

import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { CsvSyntaxError, CsvTokenizer, lineBreakCell } from './csv-tokenizer.ts';
import { decodeStream, detectEncoding, SAMPLE_BYTES, type TextEncoding } from './encoding.ts';
import { IngestError } from './errors.ts';
import { isBlankRow, type SourceRow, type SourceTable, type TableStats } from './table.ts';

/** Default record size limit: far above any real row, far below "the whole file on one line". */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface CsvReadOptions {
  /** Largest record accepted, in (UTF-8) bytes; above it → LINE_TOO_LONG. */
  maxRecordBytes?: number;
  /** Read chunk size (default 256 KiB). */
  chunkBytes?: number;
  /** Skip detection and decode with this encoding. */
  encoding?: TextEncoding;
  /**
   * The file's name in messages: the name it was delivered under (an upload's original name),
   * never the server path it is read from. Default: the path's last segment.
   */
  fileName?: string;
}

/** The name messages give the file (see `fileName`). */
export function displayFileName(path: string, fileName: string | undefined): string {
  return fileName ?? basename(path);
}

/** Up to `bytes` bytes from the start of the file. */
export async function readHead(path: string, bytes = SAMPLE_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    let filled = 0;
    while (filled < bytes) {
      const { bytesRead } = await fh.read(buf, filled, bytes - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.subarray(0, filled);
  } finally {
    await fh.close();
  }
}

/** Index of the first byte ≥ 0x80, or -1. */
function firstNonAscii(buf: Buffer): number {
  if (isAscii(buf)) return -1;
  for (let i = 0; i < buf.length; i++) if ((buf[i] ?? 0) >= 0x80) return i;
  return -1;
}

/**
 * The encoding of a text file (see detectEncoding). When its first SAMPLE_BYTES are pure ASCII —
 * which reads the same in UTF-8 and GB18030 — the decision is taken on the first non-ASCII bytes
 * further down instead (a GBK file whose first rows happen to be ASCII is not UTF-8).
 */
export async function detectFileEncoding(
  path: string,
  head?: Buffer,
  fileName?: string,
): Promise<TextEncoding> {
  const file = displayFileName(path, fileName);
  const sample = head ?? (await readHead(path));
  const encoding = detectEncoding(sample, file);
  if (encoding !== 'utf8' || sample.length < SAMPLE_BYTES || firstNonAscii(sample) !== -1) return encoding;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    let pos = sample.length;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return 'utf8'; // all ASCII
      const at = firstNonAscii(buf.subarray(0, bytesRead));
      if (at !== -1) {
        const window = Buffer.alloc(SAMPLE_BYTES);
        const { bytesRead: n } = await fh.read(window, 0, SAMPLE_BYTES, pos + at);
        return detectEncoding(window.subarray(0, n), file);
      }
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** Translate a tokenizer error into the file error, on the row after the last one read. */
function translate(e: CsvSyntaxError, file: string, lastRowNo: number, maxRecordBytes: number): IngestError {
  const row = lastRowNo + 1;
  if (e.code === 'QUOTE_NOT_CLOSED') {
    return new IngestError(
      'FILE_TRUNCATED',
      `the file ends inside a quoted cell that starts on row ${row}: it was cut off (or a quote is never closed)`,
      { file, row },
    );
  }
  return new IngestError(
    'LINE_TOO_LONG',
    `row ${row} is longer than ${maxRecordBytes} bytes: the file has no line breaks there, or a quote opened on that row is never closed`,
    { file, row },
  );
}

/**
 * Classic Mac line endings (CR only, what Excel for Mac writes as "CSV (Macintosh)"): the first
 * bytes have line breaks but no LF. Read with LF-only records, such a file would be one header
 * line and no row.
 */
export function hasCrOnlyLineEnds(head: Buffer): boolean {
  return head.indexOf(0x0a) === -1 && head.indexOf(0x0d) !== -1;
}

/** CR → LF on decoded UTF-8 (a CR byte is never part of a multi-byte character). */
function crToLf(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let i = chunk.indexOf(0x0d); i !== -1; i = chunk.indexOf(0x0d, i + 1)) chunk[i] = 0x0a;
      done(null, chunk);
    },
  });
}

/**
 * A quoted cell with line breaks that is really a quote left open over whole rows: the record
 * then has another number of cells than the header, or the cell holds a row's worth of commas
 * (the rows it swallowed). Returns the cell's index, or -1 for a genuine multi-line cell.
 */
export function swallowedRowsCell(cells: readonly string[], width: number): number {
  const at = lineBreakCell(cells);
  if (at === undefined) return -1;
  if (cells.length !== width) return at;
  const text = cells[at] ?? '';
  let commas = 0;
  for (let i = text.indexOf(','); i !== -1; i = text.indexOf(',', i + 1)) commas++;
  return commas >= Math.max(width - 1, 1) ? at : -1;
}

function unbalancedQuote(file: string, rowNo: number, header: readonly string[], cell: number): IngestError {
  const column = (header[cell] ?? '').trim() || `#${cell + 1}`;
  return new IngestError(
    'QUOTE_UNBALANCED',
    `a quote opened in this cell is closed only rows later, so the rows in between would be read as one cell; fix the quote (or remove it) and re-export`,
    { file, row: rowNo, column },
  );
}

/** Resolves when `s` has data to read, has ended or was closed; rejects with its error. */
function readable(s: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      cleanup();
      resolve();
    };
    const fail = (e: unknown): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      s.off('readable', done);
      s.off('end', done);
      s.off('close', done);
      s.off('error', fail);
    };
    s.on('readable', done);
    s.on('end', done);
    s.on('close', done);
    s.on('error', fail);
  });
}

/**
 * The records of a decoded byte stream, a batch per decoded chunk. `take` is synchronous while a
 * batch lasts and `refill` waits for the next chunk: much cheaper than awaiting every record
 * (a promise round trip per record costs ~0.7 s per million rows).
 */
class RecordSource {
  private batch: string[][] = [];
  private at = 0;
  private ended = false;
  /**
   * A decoded chunk held a NUL byte: from then on the records are searched for it. (Past the
   * first SAMPLE_BYTES, which encoding detection refuses as binary: Postgres text cannot hold NUL,
   * and COPY would fail with `invalid byte sequence for encoding "UTF8": 0x00`.) A NUL is always
   * kept in some cell's text by the tokenizer; in UTF-8 and GB18030 alike it is the byte 0x00.
   */
  nulSeen = false;

  constructor(
    private readonly decoded: Readable,
    private readonly tokenizer: CsvTokenizer,
  ) {}

  /** The next record of the current batch, or undefined when it is used up (then `refill`). */
  take(): string[] | undefined {
    return this.at < this.batch.length ? this.batch[this.at++] : undefined;
  }

  /**
   * Tokenize what the decoder has next; false at the end of the input (or once closed). Throws
   * the decoder's error, or the tokenizer's once the records before it have been taken.
   */
  async refill(): Promise<boolean> {
    for (;;) {
      if (this.tokenizer.error !== undefined) throw this.tokenizer.error;
      if (this.ended) return false;
      const chunk = this.decoded.read() as Buffer | null;
      if (chunk !== null) {
        if (!this.nulSeen && chunk.indexOf(0) !== -1) this.nulSeen = true;
        if (this.setBatch(this.tokenizer.write(chunk))) return true;
      } else if (this.decoded.errored !== null) {
        throw this.decoded.errored;
      } else if (this.decoded.readableEnded) {
        this.ended = true;
        if (this.setBatch(this.tokenizer.end())) return true;
      } else if (this.decoded.destroyed) {
        return false; // closed before the end
      } else {
        await readable(this.decoded);
      }
    }
  }

  private setBatch(records: string[][]): boolean {
    this.batch = records;
    this.at = 0;
    return records.length > 0;
  }
}

/**
 * Open a CSV file: detect its encoding, read the header (first non-blank record) and peek at the
 * first data row. The returned `rows` streams the rest.
 *
 * Throws (IngestError) FILE_EMPTY (no bytes, or only blank lines), FILE_BINARY,
 * UNSUPPORTED_FORMAT, FILE_UNDECODABLE; and while iterating FILE_UNDECODABLE, FILE_TRUNCATED,
 * LINE_TOO_LONG, FILE_BINARY (a NUL byte, with its row and column).
 */
export async function openCsv(path: string, options: CsvReadOptions = {}): Promise<SourceTable> {
  const file = displayFileName(path, options.fileName);
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const head = await readHead(path);
  if (head.length === 0) throw new IngestError('FILE_EMPTY', 'the file is empty (0 bytes)', { file });
  const encoding = options.encoding ?? (await detectFileEncoding(path, head, file));

  const tokenizer = new CsvTokenizer({ maxRecordBytes }); // first: it validates the option
  const input = createReadStream(path, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  const decoder = decodeStream(encoding, { file });
  const decoded = hasCrOnlyLineEnds(head) ? crToLf() : undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    input.destroy();
    decoder.destroy();
    decoded?.destroy();
  };
  // Errors of any stage reach the last one (pipeline destroys every stream with the first error).
  if (decoded === undefined) pipeline(input, decoder, () => {});
  else pipeline(input, decoder, decoded, () => {});
  const source = new RecordSource(decoded ?? decoder, tokenizer);

  const stats: TableStats = { dataRows: 0, blankRows: 0 };
  let recordNo = 0; // records read so far, blank ones included = spreadsheet line of the last one
  let headerCells: readonly string[] | undefined;

  let header: SourceRow | undefined;
  /** FILE_BINARY for the first cell of the record that holds a NUL byte, if one does. */
  const refuseNul = (cells: readonly string[]): void => {
    const at = cells.findIndex((c) => c.includes('\0'));
    if (at === -1) return;
    throw new IngestError(
      'FILE_BINARY',
      'the cell holds a NUL byte (0x00), which is not text: the file is damaged or was exported as binary; export it again as CSV',
      { file, row: recordNo, column: header?.cells[at] ?? `column ${at + 1}` },
    );
  };

  /** The next non-blank record already tokenized, or undefined when there is none yet. */
  const take = (): SourceRow | undefined => {
    for (let cells = source.take(); cells !== undefined; cells = source.take()) {
      recordNo++;
      if (source.nulSeen) refuseNul(cells);
      // a blank line parses as [''] (fast path); ',,,' or white space as several empty cells
      if (cells.length === 1 ? cells[0] === '' || isBlankRow(cells) : isBlankRow(cells)) {
        stats.blankRows++;
        continue;
      }
      if (headerCells !== undefined && swallowedRowsCell(cells, headerCells.length) !== -1) {
        throw unbalancedQuote(file, recordNo, headerCells, swallowedRowsCell(cells, headerCells.length));
      }
      return { rowNo: recordNo, cells };
    }
    return undefined;
  };

  /** Next non-blank record, or undefined at the end. */
  const next = async (): Promise<SourceRow | undefined> => {
    for (;;) {
      const row = take();
      if (row !== undefined) return row;
      try {
        if (!(await source.refill())) return undefined;
      } catch (e) {
        throw e instanceof CsvSyntaxError ? translate(e, file, recordNo, maxRecordBytes) : e;
      }
    }
  };

  let first: SourceRow | undefined;
  try {
    header = await next();
    if (header === undefined) {
      throw new IngestError('FILE_EMPTY', 'the file has no header row (only blank lines)', { file });
    }
    stats.blankRows = 0; // blank lines above the header are not data
    headerCells = header.cells;
    first = await next();
  } catch (e) {
    await close();
    throw e;
  }
  async function* rows(): AsyncGenerator<SourceRow> {
    try {
      let row = first;
      first = undefined;
      while (row !== undefined) {
        stats.dataRows++;
        yield row;
        // synchronous while the current batch lasts: no promise per row
        row = take() ?? (await next());
      }
    } finally {
      await close();
    }
  }

  return {
    file,
    format: 'csv',
    encoding,
    headers: header.cells,
    headerRowNo: header.rowNo,
    headerOnly: first === undefined,
    rows: rows(),
    stats,
    close,
  };
}
