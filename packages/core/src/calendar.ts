// Small calendar helpers shared by the ID and date parsers. Internal to @ew/core (not re-exported).

/** Gregorian leap year (闰年). */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** True when year/month/day (month 1..12) is a real calendar date. Year must be 1..9999. */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const max = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= max;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad4(n: number): string {
  return n >= 1000 ? `${n}` : `${n}`.padStart(4, '0');
}

/** Formats numeric parts as `YYYY-MM-DD` (no validation). */
export function formatIsoDate(year: number, month: number, day: number): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

/** Reads the decimal digit at `index` of `s`, or -1 when it is not an ASCII digit. */
export function digitAt(s: string, index: number): number {
  const c = s.charCodeAt(index) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Integer value of the ASCII digits s[start, end), or -1 if any is not a digit. */
export function digitsValue(s: string, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = digitAt(s, i);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Milliseconds since the epoch of midnight UTC on a date (month 1..12); safe for years below 100. */
export function utcMs(year: number, month: number, day: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(year, month - 1, day);
  return dt.getTime();
}
