// A delivery's period (as-of date): `2023-03-31`, or `2023-03` meaning the month's last day.
import { isValidIsoDate } from '@ew/core';

export function parsePeriod(text: string): string {
  const t = text.trim();
  const month = /^(\d{4})-(\d{1,2})$/.exec(t);
  if (month) {
    const year = Number(month[1]);
    const m = Number(month[2]);
    if (m >= 1 && m <= 12) {
      const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
      return `${year}-${String(m).padStart(2, '0')}-${String(last).padStart(2, '0')}`;
    }
  }
  if (isValidIsoDate(t)) return t;
  throw new Error(`period "${text}" is not a date (YYYY-MM-DD) or a month (YYYY-MM)`);
}
