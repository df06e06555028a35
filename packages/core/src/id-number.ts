// Resident ID number (公民身份号码, GB 11643-1999): normalisation, validation, 15→18 upgrade, masking.
// Layout: 6-digit region code (地址码) + 8-digit birth date (出生日期码) + 3-digit sequence (顺序码,
// odd = male) + check digit (校验码, ISO 7064 MOD 11-2). Hot path: runs on millions of rows, so the
// common case (an already clean 18-char value) is handled with char-code loops and no regex.

import { digitAt, digitsValue, formatIsoDate, isRealDate } from './calendar.ts';

export type IdRejectReason =
  'EMPTY' | 'SCIENTIFIC_NOTATION' | 'BAD_LENGTH' | 'BAD_CHARACTERS' | 'BAD_CHECK_DIGIT' | 'BAD_BIRTH_DATE';

/** A warning never rejects the ID (region codes are retired, issued numbers never change). */
export type IdWarning = 'UNKNOWN_REGION';

export type IdParseResult =
  | {
      ok: true;
      /** 18 characters, digits and possibly a final `X`. */
      id: string;
      /** ISO `YYYY-MM-DD`. */
      birthDate: string;
      gender: 'M' | 'F';
      /** The 6-digit region code (地址码). */
      regionCode: string;
      upgradedFrom15: boolean;
      warnings: IdWarning[];
    }
  | {
      ok: false;
      reason: IdRejectReason;
      normalised: string;
      /** Present on BAD_CHECK_DIGIT when the date part is a real date (for the name + birth date fallback). */
      birthDate?: string;
      gender?: 'M' | 'F';
    };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

// Birth years accepted in the date part. The standard's own example 440524188001010014 is born in
// 1880, so the 19th century is allowed; the upper bound keeps obvious garbage (3xxx) out.
const MIN_BIRTH_YEAR = 1800;
const MAX_BIRTH_YEAR = 2099;

// Province-level prefixes (省级行政区划代码) of GB/T 2260, incl. 71 台湾, 81 香港, 82 澳门.
const KNOWN_PROVINCES: ReadonlySet<number> = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82,
]);

/** ISO 7064 MOD 11-2 check character for the first 17 digits. Throws on non-digit input. */
export function idCheckDigit(first17: string): string {
  if (first17.length < 17) throw new RangeError('idCheckDigit needs 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const d = digitAt(first17, i);
    if (d < 0) throw new RangeError('idCheckDigit needs 17 digits');
    sum += d * (WEIGHTS[i] ?? 0);
  }
  return CHECK_CHARS.charAt(sum % 11);
}

/** Characters removed anywhere: white space, zero-width, controls, hyphens/dashes, quotes. */
function isNoise(c: number): boolean {
  if (c <= 0x20 || c === 0x7f) return true; // space, tab, CR/LF and other controls
  switch (c) {
    case 0x22: // "
    case 0x27: // ' (Excel's text prefix)
    case 0x60: // `
    case 0x2d: // -
    case 0xa0: // no-break space
    case 0xad: // soft hyphen
    case 0x1680:
    case 0x180e:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x2060: // word joiner
    case 0x2212: // minus sign
    case 0x2043: // hyphen bullet
    case 0x2e3a:
    case 0x2e3b:
    case 0xfe58:
    case 0xfe63:
    case 0xff0d: // full-width hyphen-minus (NFKC maps it anyway)
    case 0x3000: // ideographic space 全角空格
    case 0xfeff: // BOM / zero-width no-break space
      return true;
  }
  if (c >= 0x2000 && c <= 0x200d) return true; // en quad … zero-width joiner
  if (c >= 0x2010 && c <= 0x2015) return true; // hyphen … horizontal bar
  if (c >= 0x2018 && c <= 0x201f) return true; // ‘ ’ ‚ ‛ “ ” „ ‟
  return false;
}

/** True when `s` is already 15 or 18 chars of digits (with a possible final upper-case X). */
function isClean(s: string): boolean {
  const n = s.length;
  if (n !== 18 && n !== 15) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 88 && i === n - 1 && n === 18) continue;
    return false;
  }
  return true;
}

/**
 * Normalises the text of an ID cell: NFKC (full-width → half-width), strips white space (incl.
 * U+3000 and zero-width), hyphens/dashes of any kind, quotes and Excel's leading apostrophe; `x` → `X`.
 */
export function normaliseIdText(raw: string): string {
  if (isClean(raw)) return raw;
  let s = raw;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      s = s.normalize('NFKC');
      break;
    }
  }
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isNoise(c)) continue;
    out += c === 120 ? 'X' : s.charAt(i);
  }
  return out;
}

// Anything numeric-looking with a decimal point or an exponent went through a float: digits are lost.
// Hyphens are already stripped, so a negative exponent (E-05) arrives as E05.
const NUMERIC_LOSSY = /^(?:\d+\.?\d*|\.\d+)[eE]\+?\d+$|^\d*\.\d*$/;

function looksLikeLossyNumber(s: string): boolean {
  let candidate = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 69 || c === 101) {
      candidate = true;
      break;
    }
  }
  return candidate && s !== '.' && NUMERIC_LOSSY.test(s);
}

function reject(reason: IdRejectReason, normalised: string): IdParseResult {
  return { ok: false, reason, normalised };
}

/** Century (e.g. 19) to insert into a 15-digit number, taken from the row's own birth date if it agrees. */
function centuryFor15(id15: string, birthDate: string | undefined): string {
  if (birthDate === undefined || birthDate.length !== 10) return '19';
  // birthDate is ISO YYYY-MM-DD; compare YY, MM, DD with the 15-digit date part YYMMDD (index 6..11).
  if (
    birthDate.charCodeAt(2) === id15.charCodeAt(6) &&
    birthDate.charCodeAt(3) === id15.charCodeAt(7) &&
    birthDate.charCodeAt(5) === id15.charCodeAt(8) &&
    birthDate.charCodeAt(6) === id15.charCodeAt(9) &&
    birthDate.charCodeAt(8) === id15.charCodeAt(10) &&
    birthDate.charCodeAt(9) === id15.charCodeAt(11) &&
    birthDate.charCodeAt(4) === 45 &&
    birthDate.charCodeAt(7) === 45
  ) {
    const century = digitsValue(birthDate, 0, 2);
    if (century >= MIN_BIRTH_YEAR / 100 && century <= MAX_BIRTH_YEAR / 100) return birthDate.slice(0, 2);
  }
  return '19';
}

/** Birth date of an 18-char ID (date part at 6..13), or undefined when it is not a real, plausible date. */
function birthDateOf(id18: string): string | undefined {
  const y = digitsValue(id18, 6, 10);
  const m = digitsValue(id18, 10, 12);
  const d = digitsValue(id18, 12, 14);
  if (y < MIN_BIRTH_YEAR || y > MAX_BIRTH_YEAR || !isRealDate(y, m, d)) return undefined;
  return formatIsoDate(y, m, d);
}

/**
 * Parses a resident ID cell. Never throws. `opts.birthDate` (ISO, from the row's own column) only
 * chooses the century of a 15-digit number.
 */
export function parseIdNumber(raw: string | null | undefined, opts?: { birthDate?: string }): IdParseResult {
  if (raw === null || raw === undefined) return reject('EMPTY', '');
  // Defensive: a cell read as a number has already lost digits (Number cannot hold 18 digits).
  if (typeof raw !== 'string') {
    return reject(typeof raw === 'number' ? 'SCIENTIFIC_NOTATION' : 'BAD_CHARACTERS', '');
  }
  const s = normaliseIdText(raw);
  const n = s.length;
  if (n === 0) return reject('EMPTY', s);
  if (looksLikeLossyNumber(s)) return reject('SCIENTIFIC_NOTATION', s);

  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 88 && i === n - 1 && n !== 15) continue; // X only as the final (check) character
    return reject('BAD_CHARACTERS', s);
  }
  if (n !== 18 && n !== 15) return reject('BAD_LENGTH', s);

  let id: string;
  let upgradedFrom15 = false;
  if (n === 15) {
    const first17 = s.slice(0, 6) + centuryFor15(s, opts?.birthDate) + s.slice(6);
    id = first17 + idCheckDigit(first17);
    upgradedFrom15 = true;
  } else {
    id = s;
  }

  const birthDate = birthDateOf(id);
  const gender: 'M' | 'F' = (digitAt(id, 16) & 1) === 1 ? 'M' : 'F';
  if (!upgradedFrom15 && idCheckDigit(id) !== id.charAt(17)) {
    return birthDate === undefined
      ? reject('BAD_CHECK_DIGIT', s)
      : { ok: false, reason: 'BAD_CHECK_DIGIT', normalised: s, birthDate, gender };
  }
  if (birthDate === undefined) return reject('BAD_BIRTH_DATE', s);

  const warnings: IdWarning[] = [];
  if (!KNOWN_PROVINCES.has(digitsValue(id, 0, 2))) warnings.push('UNKNOWN_REGION');
  return { ok: true, id, birthDate, gender, regionCode: id.slice(0, 6), upgradedFrom15, warnings };
}

/**
 * Masks an ID for logs and screens: first 6 + `********` + last 4 (`110101********1234`). Input
 * shorter than 15 characters (after normalisation) is masked entirely; never more than 6 + 4 shown.
 */
export function maskIdNumber(id: string): string {
  const s = normaliseIdText(id);
  if (s.length < 15) return '*'.repeat(Math.min(s.length, 18));
  return `${s.slice(0, 6)}********${s.slice(-4)}`;
}
