// CSV cells for people's spreadsheets (domain §8): a cell a spreadsheet would run as a formula is
// neutralised, and a cell with a separator, quote or line break is quoted.

/** Neutralises a cell that a spreadsheet would run as a formula (domain §8). */
export function csvSafeCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (CRLF-terminated) of safe cells. */
export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return cells.map(csvSafeCell).join(',') + '\r\n';
}
