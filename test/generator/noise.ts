// Noise: how real extracts deviate from clean data (domain §2.3). Every kind has a rate; `scale`
// multiplies them all (0 = clean data). ID presentations are mutually exclusive per row.

import { TRADITIONAL, HOMOPHONES, TYPO_POOL } from './names.ts';
import type { Rng } from './prng.ts';
import type { TextEncodingName } from './writers.ts';

export interface NoiseRates {
  id: {
    lowercaseX: number;
    fullwidth: number;
    spaces: number;
    hyphens: number;
    apostrophe: number;
    padded: number;
    id15: number;
    scientific: number;
    badCheck: number;
    missing: number;
    /** Valid check digit, but the ID of another register person (identity conflict). */
    conflict: number;
    /** Valid check digit, but nobody's ID (outside the register). */
    nobody: number;
  };
  name: { traditional: number; spaces: number; homophone: number; oneChar: number; separator: number };
  date: { otherFormat: number; serial: number };
  amount: { thousands: number; yuan: number; empty: number };
  birthMissing: number;
  reject: {
    REQUIRED_MISSING: number;
    UNKNOWN_CODE: number;
    BAD_DATE: number;
    BAD_AMOUNT: number;
    NEGATIVE_AMOUNT: number;
    COLUMN_COUNT: number;
  };
  duplicate: number;
}

export const DEFAULT_NOISE: NoiseRates = {
  id: {
    lowercaseX: 0.01,
    fullwidth: 0.01,
    spaces: 0.01,
    hyphens: 0.005,
    apostrophe: 0.02,
    padded: 0.005,
    id15: 0.01,
    scientific: 0.01,
    badCheck: 0.01,
    missing: 0.01,
    conflict: 0.002,
    nobody: 0.002,
  },
  name: { traditional: 0.02, spaces: 0.02, homophone: 0.01, oneChar: 0.005, separator: 0.3 },
  date: { otherFormat: 0.03, serial: 0.005 },
  amount: { thousands: 0.03, yuan: 0.02, empty: 0.01 },
  birthMissing: 0.01,
  reject: {
    REQUIRED_MISSING: 0.003,
    UNKNOWN_CODE: 0.003,
    BAD_DATE: 0.003,
    BAD_AMOUNT: 0.003,
    NEGATIVE_AMOUNT: 0.002,
    COLUMN_COUNT: 0.002,
  },
  duplicate: 0.005,
};

export type RejectReason = keyof NoiseRates['reject'];
export const REJECT_REASONS = Object.keys(DEFAULT_NOISE.reject) as RejectReason[];

function scaleRecord<T extends Record<string, number>>(r: T, k: number): T {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(r)) out[key] = Math.min(1, v * k);
  return out as T;
}

/** All rates multiplied by `k` (capped at 1; ID presentations are renormalised to ≤ 0.9 in total). */
export function scaleNoise(rates: NoiseRates, k: number): NoiseRates {
  const id = scaleRecord(rates.id, k);
  const total = Object.values(id).reduce((a, b) => a + b, 0);
  const idScaled = total > 0.9 ? scaleRecord(id, 0.9 / total) : id;
  return {
    id: idScaled,
    name: scaleRecord(rates.name, k),
    date: scaleRecord(rates.date, k),
    amount: scaleRecord(rates.amount, k),
    birthMissing: Math.min(1, rates.birthMissing * k),
    reject: scaleRecord(rates.reject, k),
    duplicate: Math.min(0.5, rates.duplicate * k),
  };
}

export type IdKind = 'clean' | keyof NoiseRates['id'];
/** Kinds that leave no usable ID (the fallback on name + birth date applies). */
export const UNUSABLE_ID_KINDS: ReadonlySet<IdKind> = new Set(['scientific', 'badCheck', 'missing']);

const entriesCache = new WeakMap<NoiseRates['id'], [keyof NoiseRates['id'], number][]>();

export function drawIdKind(rng: Rng, rates: NoiseRates['id']): IdKind {
  let entries = entriesCache.get(rates);
  if (entries === undefined) {
    entries = Object.entries(rates) as [keyof NoiseRates['id'], number][];
    entriesCache.set(rates, entries);
  }
  let r = rng.next();
  for (const [kind, p] of entries) {
    r -= p;
    if (r < 0) return kind;
  }
  return 'clean';
}

// ---- ID cosmetics (the ID stays usable after normalisation) ----------------------------------

export function idWithSpaces(rng: Rng, id: string, encoding: TextEncodingName): string {
  const sep = rng.pick(encoding === 'gbk' ? [' ', ' ', '\u3000'] : [' ', ' ', '\u3000', '\u200b']);
  return rng.chance(0.5)
    ? `${id.slice(0, 6)}${sep}${id.slice(6, 14)}${sep}${id.slice(14)}`
    : [...id].join(rng.chance(0.5) ? sep : '');
}

export function idWithHyphens(id: string): string {
  return `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`;
}

export function idPadded(rng: Rng, id: string): string {
  return rng.pick([` ${id}`, `${id} `, `\t${id}`, `  ${id}  `]);
}

// ---- names ------------------------------------------------------------------------------------

export function traditionalName(name: string): string | undefined {
  let changed = false;
  let out = '';
  for (const ch of name) {
    const t = TRADITIONAL[ch];
    if (t !== undefined && t !== ch) {
      changed = true;
      out += t;
    } else out += ch;
  }
  return changed ? out : undefined;
}

export function spacedName(rng: Rng, name: string): string {
  const sep = rng.pick([' ', ' ', '\u3000', '  ']);
  const chars = [...name];
  if (chars.length <= 3 || rng.chance(0.5)) return chars.join(sep);
  // surname, space, given name
  return `${chars[0] ?? ''}${sep}${chars.slice(1).join('')}`;
}

export function homophoneName(rng: Rng, name: string): string | undefined {
  const chars = [...name];
  const positions = chars
    .map((c, i) => (HOMOPHONES[c] !== undefined && i > 0 ? i : -1))
    .filter((i) => i >= 0);
  if (positions.length === 0) return undefined;
  const pos = rng.pick(positions);
  const options = HOMOPHONES[chars[pos] ?? ''];
  if (options === undefined) return undefined;
  chars[pos] = rng.pick(options);
  return chars.join('');
}

/** One given-name character replaced by another (edit distance 1). */
export function oneCharTypo(rng: Rng, name: string): string | undefined {
  const chars = [...name];
  if (chars.length < 2 || name.includes('·')) return undefined;
  const pos = rng.range(1, chars.length - 1);
  let ch = chars[pos] ?? '';
  while (ch === chars[pos]) ch = rng.pick(TYPO_POOL);
  chars[pos] = ch;
  return chars.join('');
}

/** A minority name with another separator (or none): 阿依古丽.买买提, 阿依古丽•买买提, 阿依古丽买买提. */
export function separatorVariant(rng: Rng, name: string, encoding: TextEncodingName): string {
  const seps = encoding === 'gbk' ? ['.', '．', '', ' ', '-'] : ['.', '．', '', '•', '・', ' ', '-'];
  return name.replace('·', rng.pick(seps));
}

// ---- rejected values --------------------------------------------------------------------------

export const BAD_DATES = ['2023-02-30', '2023-13-01', '不详', '待定', '0000-00-00', '2022/14/3', '19800132'];
export const BAD_AMOUNTS = ['待核实', '约五千', 'N/A', '见附件', '五千元', '1.2.3'];
export const UNKNOWN_WORDS = ['未知', '其他类', '待定', 'E', 'X', '不详', '??'];
