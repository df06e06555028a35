// Person names (姓名): normalisation (繁→简, spacing, separators in minority names such as
// 阿依古丽·买买提), pinyin (homophone typos 同音字), edit distance, comparison and masking.
// opencc and pinyin-pro are slow compared with the row rate: opencc runs once per distinct
// character, pinyin is cached per name (names repeat a lot).

import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

export type NameComparison = { kind: 'EXACT' | 'HOMOPHONE' | 'ONE_CHAR' | 'DIFFERENT'; score: number };

export const NAME_SCORES = Object.freeze({
  EXACT: 1.0,
  HOMOPHONE: 0.9,
  ONE_CHAR: 0.8,
  /** DIFFERENT scores at most this, scaled by similarity: max(0, 1 - distance / maxLen) * 0.5. */
  DIFFERENT_MAX: 0.5,
});

const CACHE_LIMIT = 200_000;

/** A Map that is simply cleared when full (cheap, and good enough for a skewed name distribution). */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, value);
  }
}

// 'hk' → 'cn' is OpenCC's traditional → simplified plus the Hong Kong variants (衞→卫, 敍→叙, 粧→妆 …);
// the plain 't' converter is a subset of it. Created lazily: loading the dictionaries takes a moment.
let toSimplified: ((text: string) => string) | undefined;
// Character by character, never as phrases: OpenCC's phrase tables rewrite names (沈思琪 would
// become 沉思琪 through the word 沈思), and a name is not a phrase.
// A name uses a few thousand distinct characters at most, so each is converted once: OpenCC's
// converter per character was the largest cost of mapping a feed row.
const simplifiedChars = new Map<string, string>();
function convertToSimplified(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      out += ch;
      continue;
    }
    let simplified = simplifiedChars.get(ch);
    if (simplified === undefined) {
      const convert = (toSimplified ??= OpenCC.Converter({ from: 'hk', to: 'cn' }));
      const converted = convert(ch);
      simplifiedChars.set(ch, converted);
      simplified = converted;
    }
    out += simplified;
  }
  return out;
}

/** White space (incl. U+3000, zero-width) and the separators used inside names. */
function isNameNoise(c: number): boolean {
  if (c <= 0x20 || c === 0x7f) return true;
  switch (c) {
    case 0x2d: // -
    case 0x2e: // . (also ．after NFKC)
    case 0x5f: // _
    case 0xa0:
    case 0xb7: // · middle dot
    case 0x2022: // • bullet
    case 0x2027: // ‧ hyphenation point (Taiwan)
    case 0x2219: // ∙
    case 0x22c5: // ⋅
    case 0x30fb: // ・ katakana middle dot (also ･ after NFKC)
    case 0x2212: // −
    case 0x1680:
    case 0x180e:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x2060:
    case 0x3000:
    case 0xfeff:
      return true;
  }
  return (c >= 0x2000 && c <= 0x200d) || (c >= 0x2010 && c <= 0x2015);
}

/**
 * Normalised form of a name: NFKC, traditional → simplified, no white space or separators
 * (`·` `•` `・` `.` `．` `-` `_`), Latin letters upper-cased. `張 三` → `张三`.
 */
export function normaliseName(raw: string): string {
  const s = raw.normalize('NFKC');
  let stripped = '';
  let hasWide = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isNameNoise(c)) continue;
    if (c >= 0x80) hasWide = true;
    stripped += s.charAt(i);
  }
  return (hasWide ? convertToSimplified(stripped) : stripped).toUpperCase();
}

// Syllables separated by single spaces, lower case, ü written as v.
const syllableCache = new BoundedCache<string>(CACHE_LIMIT);

function pinyinSyllables(normalised: string): string {
  const hit = syllableCache.get(normalised);
  if (hit !== undefined) return hit;
  // surname: 'head' reads the first character as a surname (单 shan, 曾 zeng, 区 ou), as names are.
  const syllables = pinyin(normalised, { toneType: 'none', type: 'array', surname: 'head', v: true });
  const result = syllables.join(' ').toLowerCase();
  syllableCache.set(normalised, result);
  return result;
}

/** Toneless pinyin of a normalised name, syllables joined by nothing: `王丽` → `wangli`. */
export function namePinyin(normalised: string): string {
  return pinyinSyllables(normalised).replaceAll(' ', '');
}

/** Levenshtein distance over code points (a character outside the BMP counts once). */
export function nameEditDistance(a: string, b: string): number {
  if (a === b) return 0;
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = new Array<number>(y.length + 1);
  let curr = new Array<number>(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    curr[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const cost = xi === y[j - 1] ? 0 : 1;
      curr[j] = Math.min((prev[j] ?? 0) + 1, (curr[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[y.length] ?? 0;
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Homophones: the same syllables one for one (王丽 / 王莉). Comparing syllable lists rather than the
 * joined string keeps 李西安 (li xi an) and 李先 (li xian) apart.
 */
function sameSyllables(na: string, nb: string): boolean {
  return pinyinSyllables(na) === pinyinSyllables(nb);
}

/**
 * Compares two raw names. EXACT (equal after normalisation) 1.0, HOMOPHONE (same pinyin) 0.9,
 * ONE_CHAR (edit distance 1) 0.8, otherwise DIFFERENT scored max(0, 1 - distance / maxLen) * 0.5.
 * An empty name never agrees with anything (DIFFERENT, score 0).
 */
export function compareNames(a: string, b: string): NameComparison {
  const na = normaliseName(a);
  const nb = normaliseName(b);
  if (na === '' || nb === '') return { kind: 'DIFFERENT', score: 0 };
  if (na === nb) return { kind: 'EXACT', score: NAME_SCORES.EXACT };
  if (sameSyllables(na, nb)) return { kind: 'HOMOPHONE', score: NAME_SCORES.HOMOPHONE };
  const distance = nameEditDistance(na, nb);
  if (distance === 1) return { kind: 'ONE_CHAR', score: NAME_SCORES.ONE_CHAR };
  const maxLen = Math.max(codePointLength(na), codePointLength(nb));
  return { kind: 'DIFFERENT', score: Math.max(0, 1 - distance / maxLen) * NAME_SCORES.DIFFERENT_MAX };
}

/**
 * Domain §3: an identity conflict needs a clearly different name — not equal after normalisation,
 * not the same pinyin, and at least two characters apart. A missing name on either side is not
 * evidence of a conflict (false).
 */
export function namesClearlyDiffer(a: string, b: string): boolean {
  const na = normaliseName(a);
  const nb = normaliseName(b);
  if (na === '' || nb === '' || na === nb) return false;
  if (sameSyllables(na, nb)) return false;
  return nameEditDistance(na, nb) >= 2;
}

/** Masks a name for logs: surname only, one `*` per further character (`张三丰` → `张**`). */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  const first = chars[0];
  if (first === undefined) return '';
  return first + '*'.repeat(chars.length - 1);
}
