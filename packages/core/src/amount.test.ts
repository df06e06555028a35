import { describe, expect, it } from 'vitest';
import { parseAmount, parseInteger } from './amount.ts';

const value = (v: number | null) => ({ ok: true, value: v });

describe('parseAmount', () => {
  it.each([
    ['5000', 5000],
    ['5,000.00', 5000],
    ['5，000.00', 5000], // full-width comma
    ['1,234,567.89', 1234567.89],
    ['5000元', 5000],
    ['5000.5 元', 5000.5],
    ['￥5000', 5000],
    ['¥5,000', 5000],
    ['¥ 5,000.00 元', 5000],
    ['RMB 5000', 5000],
    ['５０００', 5000], // full-width digits
    ['５，０００．５０元', 5000.5],
    ['  5000  ', 5000],
    ['\u30005000\u3000', 5000],
    ['0', 0],
    ['0.00', 0],
    ['-0', 0],
    ['+5000', 5000],
    ['.5', 0.5],
    ['5.', 5],
    ['0005000', 5000],
    ['1.005', 1.01], // half-up, exact on the written decimal
    ['1.004', 1],
    ['2.675', 2.68],
    ['1234.5678', 1234.57],
    ['0.125', 0.13],
  ])('%j → %d', (raw, expected) => {
    expect(parseAmount(raw)).toEqual(value(expected));
  });

  it.each(['', '   ', '-', '—', '无', '\u3000'])('empty for %j', (raw) => {
    expect(parseAmount(raw)).toEqual(value(null));
  });

  it('null and undefined are empty', () => {
    expect(parseAmount(null)).toEqual(value(null));
    expect(parseAmount(undefined)).toEqual(value(null));
  });

  it.each(['-5000', '-5,000.00', '¥-5000', '-¥5000', '－５０００', '−5000', '-0.01'])(
    'NEGATIVE for %j',
    (raw) => {
      expect(parseAmount(raw)).toEqual({ ok: false, reason: 'NEGATIVE' });
    },
  );

  it.each([
    'abc',
    '五千',
    '5000美元',
    '5,00',
    '50,00.00',
    '1.2.3',
    '5 000',
    '元',
    '¥',
    '.',
    '--5',
    '-+5',
    '1e5',
    'N/A',
    '5万',
  ])('NOT_A_NUMBER for %j', (raw) => {
    expect(parseAmount(raw)).toEqual({ ok: false, reason: 'NOT_A_NUMBER' });
  });

  it('passes numbers through, rounded to cents', () => {
    expect(parseAmount(5000)).toEqual(value(5000));
    expect(parseAmount(1234.567)).toEqual(value(1234.57));
    expect(parseAmount(1.005)).toEqual(value(1.01));
    expect(parseAmount(0.1 + 0.2)).toEqual(value(0.3));
    expect(parseAmount(0)).toEqual(value(0));
    expect(parseAmount(-0)).toEqual(value(0));
    expect(Object.is((parseAmount(-0) as { value: number }).value, 0)).toBe(true);
    expect(parseAmount(1e-9)).toEqual(value(0));
    expect(parseAmount(1e20)).toEqual(value(1e20));
  });

  it('rejects negative and non-finite numbers', () => {
    expect(parseAmount(-1)).toEqual({ ok: false, reason: 'NEGATIVE' });
    expect(parseAmount(-0.001)).toEqual({ ok: false, reason: 'NEGATIVE' });
    expect(parseAmount(Number.NaN)).toEqual({ ok: false, reason: 'NOT_A_NUMBER' });
    expect(parseAmount(Number.POSITIVE_INFINITY)).toEqual({ ok: false, reason: 'NOT_A_NUMBER' });
  });
});

describe('parseInteger', () => {
  it.each([
    ['2', 2],
    ['2套', 2],
    ['2 套', 2],
    ['3处', 3],
    ['２', 2],
    ['２套', 2],
    ['0', 0],
    [' 12 ', 12],
    ['1,000', 1000],
    ['3.0', 3],
    ['+4', 4],
    ['-0', 0],
  ])('%j → %d', (raw, expected) => {
    expect(parseInteger(raw)).toEqual(value(expected));
  });

  it('empty for blanks, placeholders, null and undefined', () => {
    for (const raw of ['', '  ', '-', '—', '无', null, undefined])
      expect(parseInteger(raw)).toEqual(value(null));
  });

  it.each(['-1', '-2套', '－３'])('NEGATIVE for %j', (raw) => {
    expect(parseInteger(raw)).toEqual({ ok: false, reason: 'NEGATIVE' });
  });

  it.each(['2.5', 'abc', '两套', '2万', '1e3', '2套房子', '99999999999999999999'])(
    'NOT_AN_INTEGER for %j',
    (raw) => {
      expect(parseInteger(raw)).toEqual({ ok: false, reason: 'NOT_AN_INTEGER' });
    },
  );

  it('passes numbers through', () => {
    expect(parseInteger(2)).toEqual(value(2));
    expect(parseInteger(0)).toEqual(value(0));
    expect(parseInteger(-3)).toEqual({ ok: false, reason: 'NEGATIVE' });
    expect(parseInteger(2.5)).toEqual({ ok: false, reason: 'NOT_AN_INTEGER' });
    expect(parseInteger(Number.NaN)).toEqual({ ok: false, reason: 'NOT_AN_INTEGER' });
  });
});
