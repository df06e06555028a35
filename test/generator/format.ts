// Tiny formatting helpers.

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function formatIsoDate(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `1234` → `1234`, `1234.5` → `1234.50`. */
export function plainAmount(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** `1234567.5` → `1,234,567.50`. */
export function thousands(v: number): string {
  const [int = '0', frac = '00'] = v.toFixed(2).split('.');
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}
