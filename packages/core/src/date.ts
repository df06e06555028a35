// Dates as departments send them (日期): ISO, slashes, dots, compact, 年月日, with a time part, Excel
// serial numbers, JS Dates. Output is always an ISO calendar date `YYYY-MM-DD`, no time zone shift.

import { digitsValue, formatIsoDate, isRealDate, utcMs } from './calendar.ts';

export type DateParseResult =
  { ok: true; date: string } | { ok: true; date: null } | { ok: false; reason: 'BAD_DATE' };

const EMPTY: DateParseResult = Object.freeze({ ok: true, date: null });
const BAD: DateParseResult = Object.freeze({ ok: false, reason: 'BAD_DATE' });

// Placeholders departments use for "no value".
const EMPTY_TOKENS: ReadonlySet<string> = new Set(['-', '--', '—', '——', '–', '无']);

// Excel: serial 1 = 1900-01-01, serial 60 = the non-existent 1900-02-29 (Lotus bug), 2958465 = 9999-12-31.
const EXCEL_MAX_SERIAL = 2958465;
const MS_PER_DAY = 86_400_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30); // for serials > 60
const EXCEL_EPOCH_EARLY_MS = Date.UTC(1899, 11, 31); // for serials < 60

// yyyy-m-d, yyyy/m/d, yyyy.m.d (same separator twice), optionally followed by a time part.
const SEPARATED =
  /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:(?:[Tt]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:[Zz]|[+-]\d{2}:?\d{2}))?)?$/;
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$/;
const SERIAL_TEXT = /^\d{1,5}(?:\.\d+)?$/;

function fromParts(y: number, m: number, d: number): DateParseResult {
  return y >= 1000 && isRealDate(y, m, d) ? { ok: true, date: formatIsoDate(y, m, d) } : BAD;
}

function fromUtcMs(ms: number): DateParseResult {
  const dt = new Date(ms);
  return fromParts(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** Converts an Excel serial day number (the time fraction is ignored). */
function fromExcelSerial(serial: number): DateParseResult {
  const day = Math.floor(serial);
  if (!(day >= 1 && day <= EXCEL_MAX_SERIAL) || day === 60) return BAD;
  return fromUtcMs((day < 60 ? EXCEL_EPOCH_EARLY_MS : EXCEL_EPOCH_MS) + day * MS_PER_DAY);
}

function fromNumber(n: number): DateParseResult {
  if (!Number.isFinite(n)) return BAD;
  // A cell typed as the number 19800102 (yyyymmdd) cannot be a serial (max 2958465): read it as a date.
  if (Number.isInteger(n) && n >= 10_000_000 && n <= 99_991_231) {
    return fromParts(Math.floor(n / 10_000), Math.floor(n / 100) % 100, n % 100);
  }
  return fromExcelSerial(n);
}

function fromText(raw: string): DateParseResult {
  let s = raw.trim();
  if (s === '') return EMPTY;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      s = s.normalize('NFKC').trim(); // full-width digits and separators, U+3000
      break;
    }
  }
  if (s === '' || EMPTY_TOKENS.has(s)) return EMPTY;

  if (s.length === 8) {
    const compact = digitsValue(s, 0, 8);
    if (compact >= 0)
      return fromParts(Math.floor(compact / 10_000), Math.floor(compact / 100) % 100, compact % 100);
  }
  let m = SEPARATED.exec(s);
  if (m) return fromParts(Number(m[1]), Number(m[3]), Number(m[4]));
  m = CHINESE.exec(s);
  if (m) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  // Excel serial as text: 1–5 integer digits, optionally with a time fraction.
  if (SERIAL_TEXT.test(s)) return fromExcelSerial(Number(s));
  return BAD;
}

/** Parses a date cell. Never throws; empty input is `{ ok: true, date: null }`. */
export function parseDate(raw: string | number | Date | null | undefined): DateParseResult {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'string') return fromText(raw);
  if (typeof raw === 'number') return fromNumber(raw);
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? BAD : fromUtcMs(raw.getTime());
  return BAD;
}

/** True for a strict `YYYY-MM-DD` string that names a real calendar date. */
export function isValidIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const y = digitsValue(s, 0, 4);
  const m = digitsValue(s, 5, 7);
  const d = digitsValue(s, 8, 10);
  return y >= 0 && m >= 0 && d >= 0 && isRealDate(y, m, d);
}

function partsOf(iso: string, what: string): [number, number, number] {
  if (!isValidIsoDate(iso)) throw new RangeError(`${what} is not an ISO date (YYYY-MM-DD)`);
  return [digitsValue(iso, 0, 4), digitsValue(iso, 5, 7), digitsValue(iso, 8, 10)];
}

/**
 * Age in completed years on `asOf` (周岁). Someone born on Feb 29 reaches the next year of age on
 * Mar 1 in non-leap years. Throws RangeError on an invalid ISO date.
 */
export function ageAt(birthDate: string, asOf: string): number {
  const [by, bm, bd] = partsOf(birthDate, 'birthDate');
  const [ay, am, ad] = partsOf(asOf, 'asOf');
  // Comparing (month, day) tuples gives the Mar 1 rule for free: Feb 28 < Feb 29 ≤ Mar 1.
  const reached = am > bm || (am === bm && ad >= bd);
  return ay - by - (reached ? 0 : 1);
}

/** `to` − `from` in whole days (UTC arithmetic). Throws RangeError on an invalid ISO date. */
export function daysBetween(from: string, to: string): number {
  const [fy, fm, fd] = partsOf(from, 'from');
  const [ty, tm, td] = partsOf(to, 'to');
  return Math.round((utcMs(ty, tm, td) - utcMs(fy, fm, fd)) / MS_PER_DAY);
}

// ── Year-months (结算年月, 统计年月) ──────────────────────────────────────────────────────────

export type YearMonthParseResult =
  | { ok: true; date: string }
  | { ok: true; date: null }
  | { ok: false; reason: 'BAD_YEAR_MONTH'; detail: string };

// yyyy-m, yyyy/m, yyyy.m; 2023年3月 (月 optional after 年)
const YM_SEPARATED = /^(\d{4})[-/.](\d{1,2})$/;
const YM_CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月?$/;

function badMonth(detail: string): YearMonthParseResult {
  return { ok: false, reason: 'BAD_YEAR_MONTH', detail };
}

function yearMonth(y: number, m: number, written: string): YearMonthParseResult {
  if (y < 1900 || y > 9999) return badMonth(`"${written}": year ${y} is out of range`);
  if (m < 1 || m > 12) return badMonth(`"${written}": there is no month ${m}`);
  return { ok: true, date: formatIsoDate(y, m, 1) };
}

/** A full date (any form parseDate reads, an Excel serial or a Date) → the first of its month. */
function monthOfDate(raw: string | number | Date, written: string): YearMonthParseResult {
  const d = parseDate(raw);
  if (!d.ok) return badMonth(`"${written}" is not a year-month (e.g. 202303, 2023-03, 2023年3月)`);
  return d.date === null ? { ok: true, date: null } : { ok: true, date: `${d.date.slice(0, 8)}01` };
}

/**
 * Parses a year-month cell (结算年月, 统计年月): `202303`, `2023-03`, `2023/3`, `2023.3`,
 * `2023年3月`, a full date or an Excel date (serial number or Date cell). The answer is the first
 * day of that month, `YYYY-MM-01`. An impossible month (`202313`, `202300`) is a reject whose
 * `detail` says why (it quotes the cell; no personal data lives in a year-month column). Never
 * throws; empty input is `{ ok: true, date: null }`.
 */
export function parseYearMonth(raw: string | number | Date | null | undefined): YearMonthParseResult {
  if (raw === null || raw === undefined) return { ok: true, date: null };
  if (raw instanceof Date) return monthOfDate(raw, 'date cell');
  if (typeof raw === 'number') {
    // a cell typed as the number 202303 (yyyymm) cannot be a plausible serial (year 2453)
    if (Number.isInteger(raw) && raw >= 100_000 && raw <= 999_999) {
      return yearMonth(Math.floor(raw / 100), raw % 100, String(raw));
    }
    return monthOfDate(raw, String(raw));
  }
  let s = raw.trim();
  if (/[^ -~]/.test(s)) s = s.normalize('NFKC').trim(); // full-width digits, U+3000
  if (s === '' || EMPTY_TOKENS.has(s)) return { ok: true, date: null };
  if (s.length === 6) {
    const compact = digitsValue(s, 0, 6);
    if (compact >= 0) return yearMonth(Math.floor(compact / 100), compact % 100, s);
  }
  const m = YM_SEPARATED.exec(s) ?? YM_CHINESE.exec(s);
  if (m) return yearMonth(Number(m[1]), Number(m[2]), s);
  return monthOfDate(s, s);
}
