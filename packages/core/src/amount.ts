// Money amounts in CNY (金额, 元) and small counts (e.g. number of properties, 套) as departments
// write them: thousands separators (also full-width ，), currency signs ¥/￥, the unit 元, blanks.

export type AmountParseResult =
  { ok: true; value: number | null } | { ok: false; reason: 'NEGATIVE' | 'NOT_A_NUMBER' };

export type IntegerParseResult =
  { ok: true; value: number | null } | { ok: false; reason: 'NOT_AN_INTEGER' | 'NEGATIVE' };

const EMPTY_TOKENS: ReadonlySet<string> = new Set(['-', '--', '—', '——', '–', '无']);

const EMPTY = Object.freeze({ ok: true, value: null }) as { ok: true; value: null };
const NEGATIVE = Object.freeze({ ok: false, reason: 'NEGATIVE' }) as { ok: false; reason: 'NEGATIVE' };
const NOT_A_NUMBER = Object.freeze({ ok: false, reason: 'NOT_A_NUMBER' }) as {
  ok: false;
  reason: 'NOT_A_NUMBER';
};
const NOT_AN_INTEGER = Object.freeze({ ok: false, reason: 'NOT_AN_INTEGER' }) as {
  ok: false;
  reason: 'NOT_AN_INTEGER';
};

// sign, optional currency prefix, number (plain or with 3-digit groups), optional unit 元 / 人民币元.
const AMOUNT =
  /^([+-]?)\s*(?:¥|RMB|CNY)?\s*([+-]?)\s*(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?\s*(?:元|人民币|人民币元|RMB|CNY)?$/i;
// Measure words that may follow a count: 2套, 3处, 1个 … (never 万/千, which would change the value).
const INTEGER = /^([+-]?)\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(0*))?\s*[套处个间栋幢户人次名项件辆]?$/;

/** NFKC only when needed (full-width digits, ，→ ',', ￥ → ¥, U+3000), then trim. */
function clean(raw: string): string {
  let s = raw;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      s = s.normalize('NFKC').replace(/\u2212/g, '-'); // also accept the minus sign −
      break;
    }
  }
  return s.trim();
}

/** Exact half-up rounding of a decimal string (integer digits, fraction digits) to 2 places. */
function roundDecimal(intDigits: string, fracDigits: string): number {
  const cents = Number(intDigits + (fracDigits + '00').slice(0, 2));
  const third = fracDigits.charCodeAt(2) - 48;
  return (third >= 5 ? cents + 1 : cents) / 100;
}

/** Rounds a JS number to cents, half-up on its shortest decimal representation (1.005 → 1.01). */
function roundNumber(n: number): number {
  if (Number.isInteger(n)) return n;
  const text = n.toPrecision(15);
  if (text.includes('e')) return Math.round(n * 100) / 100;
  const dot = text.indexOf('.');
  return roundDecimal(text.slice(0, dot), text.slice(dot + 1));
}

/**
 * Parses an amount in CNY, rounded to 2 decimals. Empty, `-`, `—` and `无` are `value: null`.
 * Never throws.
 */
export function parseAmount(raw: string | number | null | undefined): AmountParseResult {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return NOT_A_NUMBER;
    if (raw < 0) return NEGATIVE;
    return { ok: true, value: raw === 0 ? 0 : roundNumber(raw) };
  }
  if (typeof raw !== 'string') return NOT_A_NUMBER;
  const s = clean(raw);
  if (s === '' || EMPTY_TOKENS.has(s)) return EMPTY;
  const m = AMOUNT.exec(s);
  if (!m) return NOT_A_NUMBER;
  const intPart = m[3] ?? '';
  const fracPart = m[4] ?? '';
  if (intPart === '' && fracPart === '') return NOT_A_NUMBER; // "元", "¥", "."
  if (m[1] !== '' && m[2] !== '') return NOT_A_NUMBER; // two signs
  const value = roundDecimal(intPart.replace(/,/g, '') || '0', fracPart);
  if ((m[1] === '-' || m[2] === '-') && value !== 0) return NEGATIVE;
  return { ok: true, value };
}

/** Parses a non-negative whole number such as `2`, `2套`, `２`, `1,000`, `3.0`. Never throws. */
export function parseInteger(raw: string | number | null | undefined): IntegerParseResult {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return NOT_AN_INTEGER;
    return raw < 0 ? NEGATIVE : { ok: true, value: raw === 0 ? 0 : raw };
  }
  if (typeof raw !== 'string') return NOT_AN_INTEGER;
  const s = clean(raw);
  if (s === '' || EMPTY_TOKENS.has(s)) return EMPTY;
  const m = INTEGER.exec(s);
  if (!m) return NOT_AN_INTEGER;
  const value = Number((m[2] ?? '').replace(/,/g, ''));
  if (!Number.isSafeInteger(value)) return NOT_AN_INTEGER;
  if (m[1] === '-' && value !== 0) return NEGATIVE;
  return { ok: true, value };
}
