// Resident ID numbers (GB 11643-1999): region code + yyyymmdd + 3-digit sequence (odd = male) +
// check digit. The check digit comes from @ew/core (one implementation of ISO 7064 MOD 11-2).
// Register persons use sequence numbers 001–799, people outside the register 800–999, so an
// outside ID can never collide with a register ID.

import { idCheckDigit } from '@ew/core';
import { compactOf } from './calendar.ts';
import { pad } from './format.ts';
import type { Rng } from './prng.ts';

/** Region codes of births: the district (承德市 区县) mostly, some from elsewhere. */
export const REGIONS: readonly (readonly [string, number])[] = [
  ['130802', 30], // 双桥区
  ['130803', 14], // 双滦区
  ['130804', 3], // 鹰手营子矿区
  ['130821', 14], // 承德县
  ['130822', 8], // 兴隆县
  ['130824', 6], // 滦平县
  ['130825', 6], // 隆化县
  ['130826', 3], // 丰宁满族自治县
  ['130827', 2], // 宽城满族自治县
  ['130828', 2], // 围场满族蒙古族自治县
  ['130881', 2], // 平泉市
  ['130800', 1], // 承德市 (city-level code on old cards)
  ['132821', 1], // 承德地区 承德县: retired code, still valid on issued cards
  ['130102', 2], // 石家庄 长安区
  ['130203', 1], // 唐山 路北区
  ['110105', 2], // 北京 朝阳区
  ['120101', 1], // 天津 和平区
  ['410105', 1], // 郑州 金水区
  ['211302', 1], // 朝阳 双塔区
];
const REGION_WEIGHTS = REGIONS.map((r) => r[1]);

export function drawRegion(rng: Rng): number {
  return rng.weighted(REGION_WEIGHTS);
}

export function regionCode(index: number): string {
  return REGIONS[index]?.[0] ?? '130802';
}

/** A sequence number with the right parity: odd for men. Register 1–799, outside 800–999. */
export function drawSeq(rng: Rng, male: boolean, outside: boolean): number {
  if (outside) return male ? 801 + 2 * rng.int(100) : 800 + 2 * rng.int(100);
  return male ? 1 + 2 * rng.int(400) : 2 + 2 * rng.int(399);
}

export function makeId(region: string, birthDay: number, seq: number): string {
  const first17 = region + compactOf(birthDay) + pad(seq, 3);
  return first17 + idCheckDigit(first17);
}

export function isMaleSeq(seq: number): boolean {
  return seq % 2 === 1;
}

// ---- presentations (how a department writes the ID) -------------------------------------------

const FULLWIDTH_DIGITS = '０１２３４５６７８９';

export function toFullwidth(id: string): string {
  let out = '';
  for (const ch of id) {
    const c = ch.charCodeAt(0);
    out += c >= 48 && c <= 57 ? (FULLWIDTH_DIGITS[c - 48] ?? ch) : ch === 'X' ? 'Ｘ' : ch;
  }
  return out;
}

/** 15-digit number of the first generation (born 19xx): region + yymmdd + sequence, no check digit. */
export function toId15(id18: string): string {
  return id18.slice(0, 6) + id18.slice(8, 14) + id18.slice(14, 17);
}

/** What Excel shows in General format: 6 significant digits, `1.30802E+17`. */
export function toScientific(id18: string): string {
  const digits = id18.slice(0, 7);
  let mant = Math.round(Number(digits) / 10); // 6 significant digits
  let exp = 17;
  if (mant >= 1_000_000) {
    mant = Math.round(mant / 10);
    exp += 1;
  }
  const s = String(mant);
  const frac = s.slice(1).replace(/0+$/, '');
  return `${s.slice(0, 1)}${frac === '' ? '' : `.${frac}`}E+${exp}`;
}

/** The number Excel keeps in a numeric cell: 15 significant digits. */
export function toExcelNumber(id18: string): number {
  return Number(`${id18.slice(0, 15)}000`);
}

/**
 * A typo that breaks the check digit: one character changed in the region code, the first two
 * sequence digits or the check digit — never in the date part (so the date can still serve the
 * fallback) and never the gender digit.
 */
export function badCheckTypo(rng: Rng, id18: string): { id: string; position: number } {
  const positions = [0, 1, 2, 3, 4, 5, 14, 15, 17];
  const pos = rng.pick(positions);
  const old = id18.charAt(pos);
  const alphabet = pos === 17 ? '0123456789X' : '0123456789';
  let ch = old;
  while (ch === old) ch = alphabet.charAt(rng.int(alphabet.length));
  return { id: id18.slice(0, pos) + ch + id18.slice(pos + 1), position: pos };
}

/** A typo in the sequence that keeps a valid check digit but points to nobody (sequence 800–999). */
export function validTypoNobody(rng: Rng, id18: string): string {
  const male = isMaleSeq(Number(id18.slice(14, 17)));
  const seq = drawSeq(rng, male, true);
  const first17 = id18.slice(0, 14) + pad(seq, 3);
  return first17 + idCheckDigit(first17);
}
