// What the readers (csv-reader.ts, xlsx-reader.ts) hand to the rest of the pipeline.

import type { TextEncoding } from './encoding.ts';

/** One data row of the source file. */
export interface SourceRow {
  /**
   * Spreadsheet row number, so the data administrator finds the row by opening the file: the
   * header is line 1 (unless blank lines precede it) and the first data row line 2. CSV: the
   * record's position counting blank lines (a quoted cell with line breaks stays one row, as in
   * Excel). XLSX: the worksheet's row number.
   */
  readonly rowNo: number;
  /**
   * Cell texts, never converted to numbers. CSV: as written (quotes removed), as many as the
   * record has. XLSX: one per column up to the row's last non-empty cell, padded with `''` to the
   * header's width (a worksheet has no "short rows").
   */
  readonly cells: readonly string[];
  /**
   * XLSX only: 0-based indexes of cells that held a *number* in the workbook (`cells[i]` is then
   * `String(value)`). A numeric cell in an ID column has lost digits (Excel keeps 15 significant
   * digits), so the row mapper must not trust its text. Absent when the row has none.
   */
  readonly numericCells?: ReadonlySet<number>;
}

/** Counters filled while `rows` is iterated (final once the iteration has finished). */
export interface TableStats {
  /** Data rows yielded. */
  dataRows: number;
  /** Rows skipped because every cell was empty or white space (not counted as rejects). */
  blankRows: number;
}

export type TableFormat = 'csv' | 'xlsx';

export interface SourceTable {
  readonly file: string;
  readonly format: TableFormat;
  /** CSV only. */
  readonly encoding?: TextEncoding;
  /** XLSX only: the worksheet read. */
  readonly sheetName?: string;
  /** Header cells as in the file (not normalised; see headers.ts). */
  readonly headers: readonly string[];
  readonly headerRowNo: number;
  /** True when the file has a header row and no data row. Not an error: the caller decides. */
  readonly headerOnly: boolean;
  /** The data rows (blank rows skipped). Iterable once. */
  readonly rows: AsyncIterable<SourceRow>;
  readonly stats: TableStats;
  /** Release the file when the rows are not (fully) iterated. Idempotent. */
  close(): Promise<void>;
}

/** A row with no content: every cell empty or white space. */
export function isBlankRow(cells: readonly string[]): boolean {
  for (const c of cells) {
    if (c.length !== 0 && c.trim().length !== 0) return false;
  }
  return true;
}
