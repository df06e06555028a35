// Reporting periods (contract "Reporting periods"): twice a month, in Asia/Shanghai time.
//   `YYYY-MM-14` = the day after the previous month's 28th, 00:00 → the 14th, 24:00
//   `YYYY-MM-28` = the 15th, 00:00 → the 28th, 24:00
// so days 29–31 fall in the next month's first period and the periods tile the calendar with no
// gap. Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so a day starts at
// 16:00 UTC the day before. Bounds are half-open: [from, to).
import { z } from 'zod';
import { DomainError } from '@ew/core';

/**
 * - `REPORT_PERIOD_INVALID` not a period id `YYYY-MM-14` / `YYYY-MM-28`
 * - `REPORT_MONTH_INVALID`  not a month `YYYY-MM`
 * - `REPORT_RANGE_INVALID`  a date range whose end is before its start, or not `YYYY-MM-DD`
 */
export type ReportErrorCode = 'REPORT_PERIOD_INVALID' | 'REPORT_MONTH_INVALID' | 'REPORT_RANGE_INVALID';

export class ReportError extends DomainError<ReportErrorCode> {}

export const SHANGHAI_OFFSET = '+08:00';

export const periodId = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(14|28)$/, 'a reporting period is YYYY-MM-14 or YYYY-MM-28');

export const monthId = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is YYYY-MM');

export const dayId = z.iso.date({ message: 'expected a date YYYY-MM-DD' });

export interface Period {
  id: string;
  /** First day (Shanghai), YYYY-MM-DD. */
  firstDay: string;
  /** Last day (Shanghai), YYYY-MM-DD. */
  lastDay: string;
  /** Start, inclusive. */
  from: Date;
  /** End, exclusive (the last day at 24:00 Shanghai). */
  to: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

/** Shanghai midnight of a day given as calendar parts (month 1..12; out-of-range days roll over). */
function shanghaiMidnight(y: number, m: number, d: number): Date {
  return new Date(Date.UTC(y, m - 1, d) - 8 * 3600_000);
}

/** The Shanghai calendar day of an instant, YYYY-MM-DD. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function dayOf(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000 - 1).toISOString().slice(0, 10);
}

/** A period id → its bounds; a bad id is REPORT_PERIOD_INVALID. */
export function parsePeriod(id: string): Period {
  const parsed = periodId.safeParse(id);
  if (!parsed.success) {
    throw new ReportError('REPORT_PERIOD_INVALID', `period "${id}": ${parsed.error.issues[0]?.message}`);
  }
  const [y, m, d] = id.split('-').map(Number) as [number, number, number];
  // the day after the previous month's 28th: the 29th, or March 1st after a common February
  // (Date.UTC rolls February 29th over; month 0 is the previous December)
  const from = d === 14 ? shanghaiMidnight(y, m - 1, 29) : shanghaiMidnight(y, m, 15);
  const to = shanghaiMidnight(y, m, d + 1);
  return { id, firstDay: shanghaiDay(from), lastDay: dayOf(to), from, to };
}

/** The period holding an instant. */
export function periodAt(at: Date): Period {
  const [y, m, d] = shanghaiDay(at).split('-').map(Number) as [number, number, number];
  if (d <= 14) return parsePeriod(ymd(y, m, 14));
  if (d <= 28) return parsePeriod(ymd(y, m, 28));
  return parsePeriod(m === 12 ? ymd(y + 1, 1, 14) : ymd(y, m + 1, 14));
}

/** The period before this one. */
export function previousPeriod(p: Period): Period {
  return periodAt(new Date(p.from.getTime() - 1));
}

/** The latest period that has ended at `now` (its end ≤ now). */
export function lastEndedPeriod(now: Date): Period {
  return previousPeriod(periodAt(now));
}

export interface Month {
  id: string;
  /** The month's two periods: `…-14` and `…-28`. */
  periods: [Period, Period];
  from: Date;
  to: Date;
}

export function parseMonth(id: string): Month {
  const parsed = monthId.safeParse(id);
  if (!parsed.success) {
    throw new ReportError('REPORT_MONTH_INVALID', `month "${id}": ${parsed.error.issues[0]?.message}`);
  }
  const first = parsePeriod(`${id}-14`);
  const second = parsePeriod(`${id}-28`);
  return { id, periods: [first, second], from: first.from, to: second.to };
}

export function previousMonth(m: Month): Month {
  const [y, mo] = m.id.split('-').map(Number) as [number, number];
  return parseMonth(mo === 1 ? `${y - 1}-12` : `${y}-${pad(mo - 1)}`);
}

/** Shanghai days [fromDay 00:00, toDay 24:00); either may be open. */
export function dayRange(fromDay?: string, toDay?: string): { from: Date | null; to: Date | null } {
  const bound = (day: string | undefined, next: boolean) => {
    if (day === undefined) return null;
    if (!dayId.safeParse(day).success) {
      throw new ReportError('REPORT_RANGE_INVALID', `"${day}" is not a date YYYY-MM-DD`);
    }
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    return shanghaiMidnight(y, m, d + (next ? 1 : 0));
  };
  const from = bound(fromDay, false);
  const to = bound(toDay, true);
  if (from !== null && to !== null && to <= from) {
    throw new ReportError('REPORT_RANGE_INVALID', `the range ${fromDay} – ${toDay} ends before it starts`);
  }
  return { from, to };
}
