// Small text normalisers shared by the mapping loader, the header resolver and the row mapper.

// BOM, zero-width space/joiners, word joiner, soft hyphen: invisible characters that spreadsheet
// exports leave in headers and cells.
const INVISIBLE = /[\uFEFF\u200B-\u200D\u2060\u00AD]/g;
const WHITE_RUN = /\s+/g; // \s covers U+3000 (ideographic space) and NBSP

/**
 * A header as it should be displayed: NFKC (full-width → half-width, `（元）` → `(元)`), invisible
 * characters removed, white space trimmed and collapsed to one space.
 */
export function normaliseHeader(raw: string): string {
  return raw.normalize('NFKC').replace(INVISIBLE, '').replace(WHITE_RUN, ' ').trim();
}

/**
 * The comparison key of a header: `normaliseHeader` without any white space and lower-cased, so
 * `姓 名`, `姓名 ` and `姓名` are the same column, as are `ID No` and `id no`.
 */
export function headerKey(raw: string): string {
  return normaliseHeader(raw).replace(WHITE_RUN, '').toLowerCase();
}

/** A coded cell value before lookup: NFKC, invisible characters removed, trimmed. */
export function normaliseCode(raw: string): string {
  return raw.normalize('NFKC').replace(INVISIBLE, '').trim();
}

/** Trim and collapse inner white space runs to one space. */
export function collapseWhitespace(raw: string): string {
  return raw.replace(WHITE_RUN, ' ').trim();
}

/** At most `max` characters (code points are not split), with `…` when cut. */
export function truncate(raw: string, max = 50): string {
  if (raw.length <= max) return raw;
  const chars = Array.from(raw);
  return chars.length <= max ? raw : `${chars.slice(0, max).join('')}…`;
}
