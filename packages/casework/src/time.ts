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

/** Completed years between a birth date `YYYY-MM-DD` and the date `on` (`YYYY-MM-DD`). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
