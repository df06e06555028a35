// Day numbers (days since 1970-01-01, UTC) and the date formats departments write.

import { formatIsoDate } from './format.ts';

const MS_PER_DAY = 86_400_000;

export function dayOf(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function dayOfIso(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  return dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
}

export interface Ymd {
  y: number;
  m: number;
  d: number;
}

// Days 1900-01-01 … 2099-12-31 are looked up in tables (hot path: millions of dates).
const TABLE_FROM = Math.round(Date.UTC(1900, 0, 1) / MS_PER_DAY);
const TABLE_TO = Math.round(Date.UTC(2100, 0, 1) / MS_PER_DAY);
let table: { ymd: Int32Array; iso: string[] } | undefined;

function buildTable(): { ymd: Int32Array; iso: string[] } {
  const n = TABLE_TO - TABLE_FROM;
  const ymd = new Int32Array(n);
  const iso = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const dt = new Date((TABLE_FROM + i) * MS_PER_DAY);
    const y = dt.getUTCFullYear();
    const m = dt.getUTCMonth() + 1;
    const d = dt.getUTCDate();
    ymd[i] = y * 10_000 + m * 100 + d;
    iso[i] = formatIsoDate(y, m, d);
  }
  return { ymd, iso };
}

export function ymdOf(day: number): Ymd {
  if (day >= TABLE_FROM && day < TABLE_TO) {
    const v = (table ??= buildTable()).ymd[day - TABLE_FROM] ?? 0;
    return { y: Math.floor(v / 10_000), m: Math.floor(v / 100) % 100, d: v % 100 };
  }
  const dt = new Date(day * MS_PER_DAY);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** yyyymmdd as a number (fast path for ages). */
export function ymdNumber(day: number): number {
  if (day >= TABLE_FROM && day < TABLE_TO) return (table ??= buildTable()).ymd[day - TABLE_FROM] ?? 0;
  const { y, m, d } = ymdOf(day);
  return y * 10_000 + m * 100 + d;
}

export function isoOf(day: number): string {
  if (day >= TABLE_FROM && day < TABLE_TO) return (table ??= buildTable()).iso[day - TABLE_FROM] ?? '';
  const { y, m, d } = ymdOf(day);
  return formatIsoDate(y, m, d);
}

/** yyyymmdd as used inside resident ID numbers. */
export function compactOf(day: number): string {
  return isoOf(day).replaceAll('-', '');
}

/** Age in completed years (周岁) on `asOf`; Feb 29 birthdays age on Mar 1. */
export function ageOn(birthDay: number, asOfDay: number): number {
  const b = ymdNumber(birthDay);
  const a = ymdNumber(asOfDay);
  return Math.floor(a / 10_000) - Math.floor(b / 10_000) - (a % 10_000 >= b % 10_000 ? 0 : 1);
}

/** The day `years` calendar years before `day` (Feb 29 → Feb 28). */
export function yearsBefore(day: number, years: number): number {
  const { y, m, d } = ymdOf(day);
  const yy = y - years;
  const dd = m === 2 && d === 29 && !(yy % 4 === 0 && (yy % 100 !== 0 || yy % 400 === 0)) ? 28 : d;
  return dayOf(yy, m, dd);
}

export const DATE_FORMATS = ['iso', 'slash', 'compact', 'chinese', 'dot', 'serial'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** Excel 1900 date system serial (valid for dates after 1900-03-01). */
export function excelSerial(day: number): number {
  return day - dayOf(1899, 12, 30);
}

export function formatDate(day: number, fmt: DateFormat): string {
  const { y, m, d } = ymdOf(day);
  switch (fmt) {
    case 'iso':
      return formatIsoDate(y, m, d);
    case 'slash':
      return `${y}/${m}/${d}`;
    case 'compact':
      return formatIsoDate(y, m, d).replaceAll('-', '');
    case 'chinese':
      return `${y}年${m}月${d}日`;
    case 'dot':
      return `${y}.${String(m).padStart(2, '0')}.${String(d).padStart(2, '0')}`;
    case 'serial':
      return String(excelSerial(day));
  }
}
