// Dates, times and amounts as the console shows them: dates 2023-03-31, times in Asia/Shanghai,
// amounts ¥12,345.00, plain numbers 1,200 / 995.17.

const TIME_ZONE = 'Asia/Shanghai';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const dateParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const money = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' });
const plain = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 });

function parts(value: string | Date): Record<string, string> | null {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(dateParts.formatToParts(date).map((p) => [p.type, p.value]));
}

/** `2023-03-31` (a date-only string is already a calendar date and is shown as it is). */
export function formatDate(value: string | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && DATE_ONLY.test(value)) return value;
  const p = parts(value);
  return p === null ? String(value) : `${p.year}-${p.month}-${p.day}`;
}

/** `2023-03-31 14:05` in Asia/Shanghai. */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && DATE_ONLY.test(value)) return value;
  const p = parts(value);
  return p === null ? String(value) : `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return null;
}

/** `¥12,345.00` */
export function formatAmount(value: unknown): string {
  const n = toNumber(value);
  return n === null ? '—' : money.format(n);
}

/** `1,200`, `995.17` */
export function formatNumber(value: unknown): string {
  const n = toNumber(value);
  return n === null ? '—' : plain.format(n);
}

/** A share as a percentage: 0.3 → `30%`. */
export function formatShare(value: unknown): string {
  const n = toNumber(value);
  return n === null ? '—' : `${plain.format(n * 100)}%`;
}

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function todayInShanghai(): string {
  return formatDate(new Date());
}
