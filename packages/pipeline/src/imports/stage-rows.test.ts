import { describe, expect, it } from 'vitest';
import { createPayloadWriter } from './stage-rows.ts';

describe('createPayloadWriter', () => {
  it('writes what JSON.stringify writes for the same fields, in field order', () => {
    const fields = ['event', 'event_date', 'monthly_income', 'note', 'flag', 'absent'];
    const write = createPayloadWriter(fields);
    const cases: Record<string, string | number | boolean | null>[] = [
      { event: 'UNEMPLOYED', event_date: '2023-03-18', monthly_income: null, note: null, flag: false },
      {
        event: '灵活"就业"\\',
        event_date: 'a\tb\nc\r',
        monthly_income: 749.78,
        note: '\u0001\u2028',
        flag: true,
      },
      { monthly_income: -0.5, event: '', note: '😀', event_date: '2023-01-01', flag: null },
      { monthly_income: Number.NaN, event: 'x', event_date: null, note: 'y', flag: true },
      { monthly_income: 1e21, event: 'x', event_date: null, note: 'y', flag: true },
    ];
    for (const values of cases) {
      const asObject = Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
      expect(write(values)).toBe(JSON.stringify(asObject));
    }
  });

  it('writes an empty object for a feed without payload fields', () => {
    expect(createPayloadWriter([])({ anything: 1 })).toBe('{}');
  });
});
