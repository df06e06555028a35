// Dates as the bureau counts them: Asia/Shanghai (no daylight saving; UTC+8 all year).
const SHANGHAI = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date of `at` in Asia/Shanghai, `YYYY-MM-DD`. */
export function isoDateInShanghai(at: Date): string {
  return SHANGHAI.format(at);
}

/** The first instant of the calendar day after `at`'s, in Asia/Shanghai (UTC+8, no daylight saving). */
export function nextMidnightInShanghai(at: Date): Date {
  const [y, m, d] = isoDateInShanghai(at).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1) - 8 * 3_600_000);
}

/** Completed years between a birth date `YYYY-MM-DD` and the date `on` (`YYYY-MM-DD`). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
