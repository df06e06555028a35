// A delivery's period (as-of date): `2023-03-31`, or `2023-03` meaning the month's last day.
// Years outside 1900–2999 are refused: no extract is dated so, and Postgres has no year 0 (the
// period `0000-01` used to reach the database and fail there).
import { isValidIsoDate } from '@ew/core';

const MIN_YEAR = 1900;
const MAX_YEAR = 2999;

export function parsePeriod(text: string): string {
  const t = text.trim();
  const month = /^(\d{4})-(\d{1,2})$/.exec(t);
  const year = Number((month?.[1] ?? t).slice(0, 4));
  if (/^\d{4}/.test(t) && year >= MIN_YEAR && year <= MAX_YEAR) {
    if (month) {
      const m = Number(month[2]);
      if (m >= 1 && m <= 12) {
        const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
        return `${year}-${String(m).padStart(2, '0')}-${String(last).padStart(2, '0')}`;
      }
    } else if (isValidIsoDate(t)) return t;
  }
  throw new Error(
    `period "${text.slice(0, 40)}" is not a date (YYYY-MM-DD) or a month (YYYY-MM) between ${MIN_YEAR} and ${MAX_YEAR}`,
  );
}
