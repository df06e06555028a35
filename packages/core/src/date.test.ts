import { describe, expect, it } from 'vitest';
import { ageAt, daysBetween, isValidIsoDate, parseDate, parseYearMonth } from './date.ts';

const ok = (date: string) => ({ ok: true, date });
const BAD = { ok: false, reason: 'BAD_DATE' };
const EMPTY = { ok: true, date: null };

describe('parseDate: text formats', () => {
  it.each([
    ['1980-01-02', '1980-01-02'],
    ['1980-1-2', '1980-01-02'],
    ['1980/1/2', '1980-01-02'],
    ['1980/01/02', '1980-01-02'],
    ['1980.1.2', '1980-01-02'],
    ['19800102', '1980-01-02'],
    ['1980年1月2日', '1980-01-02'],
    ['1980年01月02日', '1980-01-02'],
    ['1980 年 1 月 2 日', '1980-01-02'],
    ['1980年1月2号', '1980-01-02'],
    ['1980-01-02 00:00:00', '1980-01-02'],
    ['1980/1/2 0:00', '1980-01-02'],
    ['1980-01-02T00:00:00', '1980-01-02'],
    ['1980-01-02T00:00:00.000Z', '1980-01-02'],
    ['1980-01-02T08:00:00+08:00', '1980-01-02'], // the written date, no time zone shift
    ['  1980-01-02  ', '1980-01-02'],
    ['\u30001980-01-02\u3000', '1980-01-02'],
    ['１９８０－０１－０２', '1980-01-02'], // full-width digits and hyphens
    ['１９８００１０２', '1980-01-02'],
    ['１９８０年１月２日', '1980-01-02'],
  ])('%j → %s', (raw, iso) => {
    expect(parseDate(raw)).toEqual(ok(iso));
  });

  it.each(['', '   ', '\u3000', '-', '—', '无'])('empty for %j', (raw) => {
    expect(parseDate(raw)).toEqual(EMPTY);
  });

  it.each([
    '1980-13-01',
    '1980-00-10',
    '1980-01-32',
    '1980-04-31',
    '1980-1/2', // mixed separators
    '19801302',
    '02/01/1980', // day-first is ambiguous: refused
    '1980-01-02 25:00:00x',
    'abc',
    '1980年13月1日',
    '0000-00-00',
    '0999-01-01',
    '198001',
    '123456',
    '0',
    '60', // Excel's phantom 1900-02-29
    '1.5.6.7',
  ])('BAD_DATE for %j', (raw) => {
    expect(parseDate(raw)).toEqual(BAD);
  });
});

describe('parseDate: leap days', () => {
  it('accepts Feb 29 in leap years only', () => {
    expect(parseDate('2000-02-29')).toEqual(ok('2000-02-29')); // divisible by 400
    expect(parseDate('2024/2/29')).toEqual(ok('2024-02-29'));
    expect(parseDate('1900-02-29')).toEqual(BAD); // divisible by 100
    expect(parseDate('2023-02-29')).toEqual(BAD);
    expect(parseDate('20230229')).toEqual(BAD);
    expect(parseDate('2100年2月29日')).toEqual(BAD);
  });
});

describe('parseDate: Excel serial numbers', () => {
  it.each([
    [29221, '1980-01-01'],
    [1, '1900-01-01'],
    [59, '1900-02-28'],
    [61, '1900-03-01'],
    [25569, '1970-01-01'],
    [36526, '2000-01-01'],
    [45292, '2024-01-01'],
    [2958465, '9999-12-31'],
    [29221.75, '1980-01-01'], // the time of day is ignored
  ])('%d → %s', (serial, iso) => {
    expect(parseDate(serial)).toEqual(ok(iso));
  });

  it('accepts serials written as text (1–5 digits, optional fraction)', () => {
    expect(parseDate('29221')).toEqual(ok('1980-01-01'));
    expect(parseDate(' 29221.5 ')).toEqual(ok('1980-01-01'));
    expect(parseDate('２９２２１')).toEqual(ok('1980-01-01'));
    expect(parseDate('1')).toEqual(ok('1900-01-01'));
  });

  it('rejects serial 60, 0, negatives, out-of-range and non-finite numbers', () => {
    for (const n of [60, 60.5, 0, 0.5, -1, 2958466, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(parseDate(n)).toEqual(BAD);
    }
  });

  it('reads an 8-digit number as yyyymmdd (it cannot be a serial)', () => {
    expect(parseDate(19800102)).toEqual(ok('1980-01-02'));
    expect(parseDate(19801302)).toEqual(BAD);
  });
});

describe('parseDate: other inputs', () => {
  it('treats null and undefined as empty', () => {
    expect(parseDate(null)).toEqual(EMPTY);
    expect(parseDate(undefined)).toEqual(EMPTY);
  });

  it('uses the UTC date parts of a JS Date', () => {
    expect(parseDate(new Date(Date.UTC(1980, 0, 2)))).toEqual(ok('1980-01-02'));
    expect(parseDate(new Date('1980-01-02T23:59:59Z'))).toEqual(ok('1980-01-02'));
    expect(parseDate(new Date(Number.NaN))).toEqual(BAD);
  });
});

describe('isValidIsoDate', () => {
  it.each([
    ['1980-01-02', true],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['1980-1-2', false],
    ['1980/01/02', false],
    ['19800102', false],
    ['1980-01-02T00:00', false],
    ['1980-13-01', false],
    ['', false],
  ])('%j → %s', (s, valid) => {
    expect(isValidIsoDate(s)).toBe(valid);
  });
});

describe('ageAt (周岁)', () => {
  it('counts completed years', () => {
    expect(ageAt('1980-06-15', '2024-06-14')).toBe(43);
    expect(ageAt('1980-06-15', '2024-06-15')).toBe(44); // birthday reached
    expect(ageAt('1980-06-15', '2024-06-16')).toBe(44);
    expect(ageAt('1980-06-15', '2024-12-31')).toBe(44);
    expect(ageAt('1980-06-15', '2025-01-01')).toBe(44);
    expect(ageAt('2024-01-01', '2024-01-01')).toBe(0);
    expect(ageAt('2006-03-01', '2024-02-29')).toBe(17); // the day before turning 18
    expect(ageAt('2006-03-01', '2024-03-01')).toBe(18);
  });

  it('Feb 29 birthdays are reached on Mar 1 in non-leap years, on Feb 29 in leap years', () => {
    expect(ageAt('2000-02-29', '2023-02-28')).toBe(22);
    expect(ageAt('2000-02-29', '2023-03-01')).toBe(23);
    expect(ageAt('2000-02-29', '2024-02-28')).toBe(23);
    expect(ageAt('2000-02-29', '2024-02-29')).toBe(24);
    expect(ageAt('2000-02-29', '2100-02-28')).toBe(99); // 2100 is not a leap year
    expect(ageAt('2000-02-29', '2100-03-01')).toBe(100);
  });

  it('throws on dates that are not ISO', () => {
    expect(() => ageAt('1980/01/01', '2024-01-01')).toThrow(RangeError);
    expect(() => ageAt('1980-01-01', '2023-02-29')).toThrow(RangeError);
  });
});

describe('daysBetween', () => {
  it('returns to − from in days', () => {
    expect(daysBetween('2024-01-01', '2024-01-01')).toBe(0);
    expect(daysBetween('2024-01-01', '2024-01-31')).toBe(30);
    expect(daysBetween('2024-01-31', '2024-01-01')).toBe(-30);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2); // leap year
    expect(daysBetween('2023-02-28', '2023-03-01')).toBe(1);
    expect(daysBetween('2023-01-01', '2024-01-01')).toBe(365);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('1900-01-01', '1980-01-01')).toBe(29219); // Excel serial 29221 − the 2-day offset
    expect(daysBetween('0099-12-31', '0100-01-01')).toBe(1); // years below 100 are not shifted to 19xx
  });

  it('throws on dates that are not ISO', () => {
    expect(() => daysBetween('2024-01-01', 'tomorrow')).toThrow(RangeError);
  });
});

describe('parseYearMonth (结算年月, 统计年月)', () => {
  it.each([
    ['202303', '2023-03-01'],
    ['2023-03', '2023-03-01'],
    ['2023-3', '2023-03-01'],
    ['2023/3', '2023-03-01'],
    ['2023/03', '2023-03-01'],
    ['2023.3', '2023-03-01'],
    ['2023年3月', '2023-03-01'],
    ['2023年03月', '2023-03-01'],
    ['2023 年 3 月', '2023-03-01'],
    ['２０２３年３月', '2023-03-01'], // full-width digits
    [' 202312 ', '2023-12-01'],
    ['2023-03-15', '2023-03-01'], // a full date: its month
    ['20230331', '2023-03-01'],
    ['2023/3/31 0:00', '2023-03-01'],
    ['44986', '2023-03-01'], // an Excel serial as text (2023-03-01)
    ['45016', '2023-03-01'], // 2023-03-31
  ])('%j → %s', (raw, iso) => {
    expect(parseYearMonth(raw)).toEqual({ ok: true, date: iso });
  });

  it('reads Excel cells: a serial number, a Date, and a number typed yyyymm', () => {
    expect(parseYearMonth(45000)).toEqual({ ok: true, date: '2023-03-01' }); // 2023-03-15
    expect(parseYearMonth(new Date(Date.UTC(2023, 2, 15)))).toEqual({ ok: true, date: '2023-03-01' });
    expect(parseYearMonth(202303)).toEqual({ ok: true, date: '2023-03-01' });
  });

  it.each([
    ['202313', /no month 13/],
    ['202300', /no month 0/],
    ['2023-13', /no month 13/],
    ['2023/0', /no month 0/],
    ['2023年13月', /no month 13/],
    ['000003', /year 0 is out of range/],
    ['March 2023', /not a year-month/],
    ['2023-02-30', /not a year-month/],
  ])('rejects %j', (raw, detail) => {
    const r = parseYearMonth(raw);
    expect(r).toMatchObject({ ok: false, reason: 'BAD_YEAR_MONTH' });
    expect(r.ok ? '' : r.detail).toMatch(detail);
  });

  it('rejects a number typed 202313 and treats empty cells as no value', () => {
    expect(parseYearMonth(202313)).toMatchObject({ ok: false, detail: expect.stringMatching(/no month 13/) });
    for (const empty of ['', '  ', '-', '无', null, undefined]) {
      expect(parseYearMonth(empty)).toEqual({ ok: true, date: null });
    }
  });
});
