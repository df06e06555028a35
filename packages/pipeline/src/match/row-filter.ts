// Which staged rows of an import a matcher run covers: a chunk's row range (the match job) or an
// explicit set of row numbers (re-match after a register snapshot). Rendered as a predicate on
// the staged_rows alias `s`, so both cases use the (import_id, row_no) primary key.
import { sql, type RawBuilder } from 'kysely';

export type RowFilter =
  { kind: 'range'; rowFrom: number; rowTo: number } | { kind: 'rows'; rowNos: readonly number[] };

/** row_no in [rowFrom, rowTo). */
export function rowRange(rowFrom: number, rowTo: number): RowFilter {
  return { kind: 'range', rowFrom, rowTo };
}

export function rowSet(rowNos: readonly number[]): RowFilter {
  return { kind: 'rows', rowNos };
}

export function isEmptyFilter(filter: RowFilter): boolean {
  return filter.kind === 'range' ? filter.rowTo <= filter.rowFrom : filter.rowNos.length === 0;
}

/** `s.row_no …` (or `<alias>.row_no …`) for the filter (the caller adds `s.import_id = …`). */
export function rowFilterSql(filter: RowFilter, alias = 's'): RawBuilder<boolean> {
  const rowNo = sql.ref(`${alias}.row_no`);
  return filter.kind === 'range'
    ? sql<boolean>`${rowNo} >= ${filter.rowFrom} and ${rowNo} < ${filter.rowTo}`
    : sql<boolean>`${rowNo} = any(${[...filter.rowNos]}::int[])`;
}
