import { describe, expect, it } from 'vitest';
import { idCheckDigit, maskIdNumber, normaliseIdText, parseIdNumber } from './id-number.ts';

const FEMALE_1949 = '11010519491231002X'; // GB 11643-1999 example
const MALE_1880 = '440524188001010014'; // GB 11643-1999 example

describe('idCheckDigit', () => {
  it('computes ISO 7064 MOD 11-2 for the standard examples', () => {
    expect(idCheckDigit('11010519491231002')).toBe('X');
    expect(idCheckDigit('44052418800101001')).toBe('4');
  });

  it('covers every remainder', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) {
      seen.add(idCheckDigit(`11010519800101${String(seq).padStart(3, '0')}`));
    }
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  it('accepts a full 18-char id (reads the first 17) and rejects non-digits', () => {
    expect(idCheckDigit(FEMALE_1949)).toBe('X');
    expect(() => idCheckDigit('1101051949')).toThrow(RangeError);
    expect(() => idCheckDigit('1101051949123100A')).toThrow(RangeError);
  });
});

describe('normaliseIdText', () => {
  it.each([
    ['11010519491231002x', FEMALE_1949], // lowercase x
    ['１１０１０５１９４９１２３１００２Ｘ', FEMALE_1949], // full-width digits
    ['１１０１０５１９４９１２３１００２ｘ', FEMALE_1949], // full-width lowercase x
    ['110105 19491231 002X', FEMALE_1949], // spaces inside
    ['110105-19491231-002X', FEMALE_1949], // hyphens
    ['110105–19491231—002X', FEMALE_1949], // en / em dash
    ['110105－19491231‐002X', FEMALE_1949], // full-width hyphen, U+2010
    ["'11010519491231002X", FEMALE_1949], // Excel leading apostrophe
    ['\t11010519491231002X', FEMALE_1949], // leading tab
    ['"11010519491231002X"', FEMALE_1949], // ASCII quotes
    ['“11010519491231002X”', FEMALE_1949], // Chinese quotes
    ['‘11010519491231002X’', FEMALE_1949],
    ['\u300011010519491231002X\u3000', FEMALE_1949], // ideographic space
    ['\uFEFF110105\u200B1949\u200C1231\u200D002X', FEMALE_1949], // BOM and zero-width
    ['\u00A011010519491231002X\r\n', FEMALE_1949], // NBSP, CRLF
  ])('%j → %s', (raw, expected) => {
    expect(normaliseIdText(raw)).toBe(expected);
  });

  it('returns a clean value unchanged and keeps other characters for the parser to reject', () => {
    expect(normaliseIdText(MALE_1880)).toBe(MALE_1880);
    expect(normaliseIdText('1.30802E+17')).toBe('1.30802E+17');
    expect(normaliseIdText('abc')).toBe('abc');
    expect(normaliseIdText('')).toBe('');
  });
});

describe('parseIdNumber: valid numbers', () => {
  it('accepts the standard examples', () => {
    expect(parseIdNumber(FEMALE_1949)).toEqual({
      ok: true,
      id: FEMALE_1949,
      birthDate: '1949-12-31',
      gender: 'F',
      regionCode: '110105',
      upgradedFrom15: false,
      warnings: [],
    });
    expect(parseIdNumber(MALE_1880)).toMatchObject({
      ok: true,
      id: MALE_1880,
      birthDate: '1880-01-01',
      gender: 'M',
      regionCode: '440524',
    });
  });

  it('normalises dirty input before validating', () => {
    for (const raw of [
      "'11010519491231002x",
      ' 110105 1949 1231 002X ',
      '１１０１０５１９４９１２３１００２ｘ',
    ]) {
      expect(parseIdNumber(raw)).toMatchObject({ ok: true, id: FEMALE_1949 });
    }
  });

  it('reads gender from the 17th digit (odd = male)', () => {
    const make = (seq: string) => {
      const first17 = `11010519800101${seq}`;
      return first17 + idCheckDigit(first17);
    };
    expect(parseIdNumber(make('001'))).toMatchObject({ ok: true, gender: 'M' });
    expect(parseIdNumber(make('002'))).toMatchObject({ ok: true, gender: 'F' });
    expect(parseIdNumber(make('019'))).toMatchObject({ ok: true, gender: 'M' });
  });

  it('accepts Feb 29 in a leap year only', () => {
    const leap = '11010520000229001';
    expect(parseIdNumber(leap + idCheckDigit(leap))).toMatchObject({ ok: true, birthDate: '2000-02-29' });
    const notLeap = '11010519000229001'; // 1900 is not a leap year
    expect(parseIdNumber(notLeap + idCheckDigit(notLeap))).toMatchObject({
      ok: false,
      reason: 'BAD_BIRTH_DATE',
    });
  });

  it('warns on an unknown region but never rejects', () => {
    for (const region of ['990101', '000000', '160101', '720101']) {
      const first17 = `${region}19800101001`;
      expect(parseIdNumber(first17 + idCheckDigit(first17))).toMatchObject({
        ok: true,
        warnings: ['UNKNOWN_REGION'],
      });
    }
    for (const region of [
      '110101',
      '150101',
      '230101',
      '370101',
      '460101',
      '540101',
      '650101',
      '710101',
      '810000',
      '820000',
    ]) {
      const first17 = `${region}19800101001`;
      expect(parseIdNumber(first17 + idCheckDigit(first17))).toMatchObject({ ok: true, warnings: [] });
    }
  });
});

describe('parseIdNumber: 15-digit numbers', () => {
  const old15 = '110105491231002'; // the 15-digit form of FEMALE_1949

  it('upgrades to 18 digits with century 19 and the check digit', () => {
    expect(parseIdNumber(old15)).toEqual({
      ok: true,
      id: FEMALE_1949,
      birthDate: '1949-12-31',
      gender: 'F',
      regionCode: '110105',
      upgradedFrom15: true,
      warnings: [],
    });
  });

  it('takes the century from the row birth date when its yy-mm-dd agrees', () => {
    expect(parseIdNumber('440524800101001', { birthDate: '1880-01-01' })).toMatchObject({
      ok: true,
      id: MALE_1880,
      birthDate: '1880-01-01',
      gender: 'M',
      upgradedFrom15: true,
    });
    expect(parseIdNumber('440524000101001', { birthDate: '2000-01-01' })).toMatchObject({
      ok: true,
      birthDate: '2000-01-01',
    });
  });

  it('keeps 19 when the row birth date disagrees or is garbage', () => {
    expect(parseIdNumber('440524800101001', { birthDate: '1880-01-02' })).toMatchObject({
      birthDate: '1980-01-01',
    });
    expect(parseIdNumber('440524800101001', { birthDate: '1980/01/01' })).toMatchObject({
      birthDate: '1980-01-01',
    });
    expect(parseIdNumber('440524800101001', { birthDate: '' })).toMatchObject({ birthDate: '1980-01-01' });
  });

  it('rejects a 15-digit number with an impossible date or an X', () => {
    expect(parseIdNumber('110105491331002')).toMatchObject({ ok: false, reason: 'BAD_BIRTH_DATE' });
    expect(parseIdNumber('11010549123100X')).toMatchObject({ ok: false, reason: 'BAD_CHARACTERS' });
  });
});

describe('parseIdNumber: rejects', () => {
  it.each([null, undefined, '', '   ', '\u3000', "'", '""'])('EMPTY for %j', (raw) => {
    expect(parseIdNumber(raw)).toMatchObject({ ok: false, reason: 'EMPTY' });
  });

  it.each([
    '1.30802E+17',
    '4.40524E17',
    '4.40524e+17',
    '1.10105E-05',
    '1.1E+17 ',
    '４.４０５２４Ｅ＋１７',
    '440524188001010000.0',
    '130802.5',
  ])('SCIENTIFIC_NOTATION for %s, with no birth date', (raw) => {
    const r = parseIdNumber(raw);
    expect(r).toMatchObject({ ok: false, reason: 'SCIENTIFIC_NOTATION' });
    expect(r).not.toHaveProperty('birthDate');
  });

  it('treats a JS number that slipped through as lost digits', () => {
    expect(parseIdNumber(440524188001010000 as unknown as string)).toMatchObject({
      ok: false,
      reason: 'SCIENTIFIC_NOTATION',
    });
  });

  it.each(['4405241880010100', '44052418800101001', '4405241880010100140', '12345'])(
    'BAD_LENGTH for %s',
    (raw) => {
      expect(parseIdNumber(raw)).toMatchObject({ ok: false, reason: 'BAD_LENGTH', normalised: raw });
    },
  );

  it.each([
    '44052418800101001Y',
    '4405241880O1010014',
    '11010519491231X02X',
    'abcdefghijklmnopqr',
    '1.2.3',
    'E',
  ])('BAD_CHARACTERS for %s', (raw) => {
    expect(parseIdNumber(raw)).toMatchObject({ ok: false, reason: 'BAD_CHARACTERS' });
  });

  it('BAD_CHECK_DIGIT on a typo, still giving birth date and gender for the fallback', () => {
    expect(parseIdNumber('440524188001010015')).toEqual({
      ok: false,
      reason: 'BAD_CHECK_DIGIT',
      normalised: '440524188001010015',
      birthDate: '1880-01-01',
      gender: 'M',
    });
    // a typo in the sequence digits (002 → 003) of 11010519491231002X
    expect(parseIdNumber('11010519491231003X')).toMatchObject({
      reason: 'BAD_CHECK_DIGIT',
      birthDate: '1949-12-31',
      gender: 'M',
    });
    // lowercase x where the check digit should be a digit
    expect(parseIdNumber('44052418800101001x')).toMatchObject({
      reason: 'BAD_CHECK_DIGIT',
      normalised: '44052418800101001X',
    });
  });

  it('BAD_CHECK_DIGIT without a birth date when the date part is not a real date', () => {
    const r = parseIdNumber('110105194913310022'); // month 13, and the check digit should be 1
    expect(r).toEqual({ ok: false, reason: 'BAD_CHECK_DIGIT', normalised: '110105194913310022' });
  });

  it('BAD_BIRTH_DATE for a valid check digit on an impossible or implausible date', () => {
    for (const date of ['19491301', '19490230', '19490000', '30000101', '17991231', '21000101']) {
      const first17 = `110105${date}002`;
      expect(parseIdNumber(first17 + idCheckDigit(first17))).toMatchObject({
        ok: false,
        reason: 'BAD_BIRTH_DATE',
      });
    }
  });

  it('a typo that keeps the check digit valid is accepted (the name check catches it)', () => {
    // Swapping positions 1 and 11 (both weigh 9) keeps the MOD 11-2 sum: region and month change.
    expect(parseIdNumber('410524188004010014')).toMatchObject({ ok: true, birthDate: '1880-04-01' });
  });
});

describe('maskIdNumber', () => {
  it('keeps the first 6 and the last 4', () => {
    expect(maskIdNumber('110101199001011234')).toBe('110101********1234');
    expect(maskIdNumber(FEMALE_1949)).toBe('110105********002X');
  });

  it('masks a dirty id after normalising it', () => {
    expect(maskIdNumber("'110101 1990 0101 1234")).toBe('110101********1234');
    expect(maskIdNumber('110105491231002')).toBe('110105********1002');
  });

  it('masks short or garbage input entirely', () => {
    expect(maskIdNumber('1.30802E+17')).toBe('***********');
    expect(maskIdNumber('12345')).toBe('*****');
    expect(maskIdNumber('')).toBe('');
  });

  it('never reveals more than 10 characters', () => {
    for (const s of ['1234567890123456789012345', 'abcdefghijklmnopqrstuvwxyz', '123456789012345']) {
      const masked = maskIdNumber(s);
      expect(masked.replaceAll('*', '').length).toBeLessThanOrEqual(10);
    }
  });
});
