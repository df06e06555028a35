// XLSX reader. Correctness first: exceljs's streaming WorkbookReader decodes each zip chunk to
// text separately and garbles Chinese characters that straddle two chunks (exceljs issues 2063,
// 2084). The whole-file reader (`Workbook.xlsx.readFile`) inflates each part completely and
// parses it from a string, which is safe — at the price of holding the workbook in memory. So
// the file size is capped (XLSX_TOO_LARGE); bigger deliveries must come as CSV.
//
// Memory (measured: 200k rows × 6 cells, shared strings, 8.9 MB on disk → 433 MB of heap after
// loading, 660 MB RSS, ~5 s to load on one core): about 50 MB of heap per MB of workbook. The
// default cap (XLSX_MAX_BYTES, 32 MiB ≈ 700k such rows ≈ 1.6 GB of heap) follows from that; raise
// it only together with the worker's --max-old-space-size. Loading is CPU-bound for seconds:
// run it where a blocked event loop does no harm (a sandboxed queue processor).
//
// Cells become strings: text as is; rich text → its plain text; a formula → its cached result;
// a hyperlink → its text; an error → its code (`#N/A`); a boolean → TRUE / FALSE; a date cell →
// `yyyy-mm-dd` (or `yyyy-mm-dd HH:MM:SS` when it has a time of day); a number → `String(n)` AND
// its column index in `numericCells` (see table.ts: digits of an ID may be lost).

import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import ExcelJS from 'exceljs';
import { IngestError } from './errors.ts';
import { checkZipInflation, type ZipInflationLimits } from './zip-guard.ts';
import { isBlankRow, type SourceRow, type SourceTable, type TableStats } from './table.ts';

/** Default size cap for an XLSX file, in bytes (compressed, as on disk). */
export const XLSX_MAX_BYTES = 32 * 1024 * 1024;

export interface XlsxReadOptions extends ZipInflationLimits {
  /** Refuse larger files with XLSX_TOO_LARGE (default XLSX_MAX_BYTES). */
  maxBytes?: number;
  /** The file's name in messages (default: the path's last segment); see CsvReadOptions. */
  fileName?: string;
}

// Worksheet parts that carry no cell data; skipping them saves memory and time.
const IGNORE_NODES = [
  'dataValidations',
  'conditionalFormatting',
  'rowBreaks',
  'pageMargins',
  'printOptions',
  'pageSetup',
  'headerFooter',
  'picture',
  'drawing',
  'extLst',
  'autoFilter',
  'sheetProtection',
];

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** An exceljs date (UTC-based: the sheet's wall-clock time) as ISO text. */
export function excelDateText(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return '';
  const r = new Date(Math.round(t / 1000) * 1000); // exceljs dates carry float noise in ms
  const date = `${String(r.getUTCFullYear()).padStart(4, '0')}-${pad2(r.getUTCMonth() + 1)}-${pad2(r.getUTCDate())}`;
  const h = r.getUTCHours();
  const m = r.getUTCMinutes();
  const s = r.getUTCSeconds();
  return h === 0 && m === 0 && s === 0 ? date : `${date} ${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

/** Text of a non-number cell value (numbers are handled by the caller: they set a flag). */
function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return excelDateText(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['richText'])) {
      let s = '';
      for (const part of o['richText'] as unknown[]) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') s += text;
      }
      return s;
    }
    if ('formula' in o || 'sharedFormula' in o) return valueText(o['result']);
    if ('hyperlink' in o || 'text' in o) return valueText(o['text']);
    if (typeof o['error'] === 'string') return o['error'];
  }
  return '';
}

/** Whether the value (or a formula's result) is a number. */
function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (v !== null && typeof v === 'object' && ('formula' in v || 'sharedFormula' in v)) {
    return typeof (v as { result?: unknown }).result === 'number';
  }
  return false;
}

interface ConvertedRow {
  cells: string[];
  numeric: Set<number> | undefined;
}

/**
 * The cells a merge covers that must read empty, per row number: columns (1-based). exceljs
 * gives every cell of a merge the top-left cell's value; in the sheet only that cell carries it
 * (an ID merged over the name column must not become the name). One exception, kept on purpose:
 * a merge within ONE column (户编号 merged down over a household's member rows) repeats its value
 * down that column, as the person reading the sheet understands it. Uses exceljs's `_merges`
 * (4.4.0), the only way to the merges without building the whole sheet model.
 */
function mergedFollowers(sheet: ExcelJS.Worksheet): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const merges = (
    sheet as unknown as {
      _merges?: Record<string, { top: number; left: number; bottom: number; right: number }>;
    }
  )._merges;
  for (const m of Object.values(merges ?? {})) {
    for (let r = m.top; r <= m.bottom; r++) {
      let cols = out.get(r);
      if (cols === undefined) out.set(r, (cols = []));
      for (let c = m.left; c <= m.right; c++) {
        const repeatedDown = m.left === m.right;
        if (!repeatedDown && (r !== m.top || c !== m.left)) cols.push(c);
      }
    }
  }
  return out;
}

/** Sparse, 1-based exceljs `row.values` → dense 0-based strings, at least `width` long. */
function convertRow(rowValues: readonly unknown[], width: number, merged?: readonly number[]): ConvertedRow {
  let values = rowValues;
  if (merged !== undefined) {
    const copy = [...rowValues];
    for (const c of merged) copy[c] = undefined;
    values = copy;
  }
  const n = Math.max(width, values.length - 1);
  const cells = new Array<string>(n).fill('');
  let numeric: Set<number> | undefined;
  let last = -1;
  for (let c = 1; c < values.length; c++) {
    const v = values[c];
    if (v === undefined || v === null) continue;
    const text = valueText(v);
    cells[c - 1] = text;
    if (text !== '') last = c - 1;
    if (isNumeric(v)) (numeric ??= new Set()).add(c - 1);
  }
  if (n > width && last + 1 < n) cells.length = Math.max(width, last + 1);
  return { cells, numeric };
}

/**
 * FILE_BINARY for the first cell of the row that holds a NUL, as the CSV reader refuses one:
 * Postgres text cannot hold NUL (COPY would fail). XML cannot carry a NUL character (a raw one, or
 * `&#0;`, makes the part unreadable: XLSX_UNREADABLE), but OOXML's escape `_x0000_` in a shared
 * string decodes to one.
 */
function refuseNul(
  cells: readonly string[],
  at: { file: string; row: number; headers?: readonly string[] },
): void {
  const c = cells.findIndex((text) => text.includes('\0'));
  if (c === -1) return;
  throw new IngestError(
    'FILE_BINARY',
    'the cell holds a NUL character (0x00, written `_x0000_` in the workbook), which is not text: remove it and save the workbook again',
    { file: at.file, row: at.row, column: at.headers?.[c] ?? `column ${c + 1}` },
  );
}

/**
 * Open the first visible worksheet of an XLSX workbook. The header is its first non-blank row;
 * `rowNo` is the worksheet row number.
 *
 * Throws (IngestError) XLSX_TOO_LARGE, XLSX_UNREADABLE (not a workbook, corrupt, no worksheet),
 * FILE_EMPTY (empty worksheet); while rows are read, FILE_BINARY (a cell with a NUL, with its row
 * and column).
 */
export async function openXlsx(path: string, options: XlsxReadOptions = {}): Promise<SourceTable> {
  const file = options.fileName ?? basename(path);
  const limit = options.maxBytes ?? XLSX_MAX_BYTES;
  const { size } = await stat(path);
  if (size === 0) throw new IngestError('FILE_EMPTY', 'the file is empty (0 bytes)', { file });
  if (size > limit) {
    throw new IngestError(
      'XLSX_TOO_LARGE',
      `the workbook is ${(size / 1048576).toFixed(1)} MB, above the XLSX limit of ${(limit / 1048576).toFixed(0)} MB; deliver it as CSV (UTF-8 or GBK) instead`,
      { file, details: { sizeBytes: size, limitBytes: limit } },
    );
  }
  const bytes = await readFile(path);
  await checkZipInflation(bytes, file, options);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(
      bytes as unknown as ExcelJS.Buffer,
      { ignoreNodes: IGNORE_NODES } as Parameters<typeof workbook.xlsx.load>[1],
    );
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]?.slice(0, 200) : String(e);
    throw new IngestError('XLSX_UNREADABLE', `not a readable XLSX workbook (${why})`, { file });
  }
  const sheets = workbook.worksheets;
  const sheet = sheets.find((ws) => ws.state === 'visible') ?? sheets[0];
  if (sheet === undefined) {
    throw new IngestError('XLSX_UNREADABLE', 'the workbook has no worksheet', { file });
  }

  const stats: TableStats = { dataRows: 0, blankRows: 0 };
  const merged = mergedFollowers(sheet);
  const lastRow = sheet.rowCount;
  let r = 1;
  let headerRowNo = 0;
  let headers: string[] | undefined;
  for (; r <= lastRow; r++) {
    const row = sheet.findRow(r);
    if (row === undefined || !row.hasValues) continue;
    const { cells } = convertRow(row.values as unknown[], 0, merged.get(r));
    if (isBlankRow(cells)) continue;
    refuseNul(cells, { file, row: r });
    while (cells.length > 0 && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
    headers = cells;
    headerRowNo = r;
    r++;
    break;
  }
  if (headers === undefined) {
    throw new IngestError('FILE_EMPTY', `worksheet "${sheet.name}" is empty (no header row)`, { file });
  }
  const width = headers.length;

  /** Next non-blank data row from `r` on. */
  const next = (): SourceRow | undefined => {
    for (; r <= lastRow; r++) {
      const row = sheet.findRow(r);
      if (row === undefined || !row.hasValues) continue; // absent/formatting-only rows: not counted
      const { cells, numeric } = convertRow(row.values as unknown[], width, merged.get(r));
      if (isBlankRow(cells)) {
        stats.blankRows++;
        continue;
      }
      refuseNul(cells, { file, row: r, headers });
      const rowNo = r++;
      return numeric === undefined ? { rowNo, cells } : { rowNo, cells, numericCells: numeric };
    }
    return undefined;
  };

  let first = next();
  const headerOnly = first === undefined;
  let closed = false;

  async function* rows(): AsyncGenerator<SourceRow> {
    let row = first;
    first = undefined;
    let n = 0;
    while (row !== undefined && !closed) {
      stats.dataRows++;
      yield row;
      // the workbook is in memory: let timers and I/O run now and then (queue lock renewal)
      if (++n % 2000 === 0) await new Promise<void>((res) => setImmediate(res));
      row = next();
    }
  }

  return {
    file,
    format: 'xlsx',
    sheetName: sheet.name,
    headers,
    headerRowNo,
    headerOnly,
    rows: rows(),
    stats,
    close: async () => {
      closed = true;
    },
  };
}
