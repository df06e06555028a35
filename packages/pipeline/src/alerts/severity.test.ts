import { describe, expect, it } from 'vitest';
import { alertSeverity, maxSeverity, raiseOneLevel } from './severity.ts';

const base = {
  codesInWindow: ['A'],
  refusedBefore: false,
  refusedOn: null,
  compoundWindowDays: 90,
  compoundMinCodes: 2,
};

describe('alert severity', () => {
  it('is the highest signal severity', () => {
    expect(maxSeverity('low', 'high', 'medium')).toBe('high');
    expect(alertSeverity({ ...base, signalSeverities: ['low', 'medium'] }).final).toBe('medium');
  });

  it('raises one level for a household refused before', () => {
    expect(['low', 'medium', 'high'].map((s) => raiseOneLevel(s as 'low'))).toEqual([
      'medium',
      'high',
      'high',
    ]);
    expect(
      alertSeverity({ ...base, signalSeverities: ['low'], refusedBefore: true, refusedOn: '2022-01-01' }),
    ).toEqual({
      base: 'low',
      compound: null,
      priorRefused: { refusedOn: '2022-01-01' },
      keptFrom: null,
      final: 'medium',
    });
  });

  it('is high with compoundMinCodes distinct codes in the window', () => {
    expect(
      alertSeverity({ ...base, signalSeverities: ['low'], codesInWindow: ['B', 'A', 'A'] }),
    ).toMatchObject({
      compound: { codes: ['A', 'B'], windowDays: 90, minCodes: 2 },
      final: 'high',
    });
    expect(
      alertSeverity({ ...base, compoundMinCodes: 3, signalSeverities: ['low'], codesInWindow: ['A', 'B'] })
        .final,
    ).toBe('low');
  });

  it('never lowers an open alert', () => {
    expect(alertSeverity({ ...base, signalSeverities: ['low'], current: 'high' })).toMatchObject({
      keptFrom: 'high',
      final: 'high',
    });
    expect(alertSeverity({ ...base, signalSeverities: ['high'], current: 'low' })).toMatchObject({
      keptFrom: null,
      final: 'high',
    });
  });
});
