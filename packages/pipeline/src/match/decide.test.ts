import { describe, expect, it } from 'vitest';
import { compareNames, namePinyin, normaliseName } from '@ew/core';
import {
  decideFallback,
  decideIdRow,
  decideNameOnly,
  REVIEW_CANDIDATE_LIMIT,
  rowName,
  scoreName,
  type PersonCandidate,
} from './decide.ts';

const T = { autoMatchMinScore: 0.9, reviewMinScore: 0.7 };

function person(personId: number, name: string, townId = 1): PersonCandidate {
  const nameNorm = normaliseName(name);
  return { personId, nameNorm, namePinyin: namePinyin(nameNorm), townId };
}

const basis = { idStatus: 'EMPTY', birthDate: 'row' as const, gender: true, townId: null };

describe('scoreName', () => {
  it('agrees with compareNames without computing the register pinyin', () => {
    const pairs = [
      ['王丽', '王莉'],
      ['张三', '張三'],
      ['陈建国', '陈建图'],
      ['李梅', '王建军'],
      ['欧阳明华', '欧阳明'],
      ['阿依古丽·买买提', '阿依古丽买买提'],
      ['李西安', '李先'],
      ['王伟', '汪伟'],
      ['王伟', '王伟伟'],
    ] as const;
    for (const [a, b] of pairs) {
      const row = rowName(normaliseName(a))!;
      expect(scoreName(row, person(1, b), 0), `${a} / ${b}`).toEqual(compareNames(a, b));
    }
  });

  it('skips a clearly different name when it cannot reach the floor', () => {
    expect(scoreName(rowName('李梅')!, person(1, '王建军'), 0.7)).toBeNull();
  });
});

describe('decideFallback', () => {
  it('auto-matches a single confident candidate, with its score', () => {
    const d = decideFallback(2, rowName('孙月'), [person(1, '孙悦'), person(2, '周杰')], basis, T);
    expect(d).toMatchObject({
      method: 'FALLBACK',
      personId: 1,
      score: 0.9,
      evidence: { name: 'HOMOPHONE', candidates: 2 },
    });
  });

  it('follows the configured thresholds', () => {
    const strict = { autoMatchMinScore: 0.95, reviewMinScore: 0.7 };
    expect(decideFallback(2, rowName('孙月'), [person(1, '孙悦')], basis, strict)).toMatchObject({
      method: 'REVIEW',
      evidence: { reason: 'BORDERLINE' },
    });
    const lax = { autoMatchMinScore: 0.8, reviewMinScore: 0.8 };
    expect(decideFallback(2, rowName('孙丽'), [person(1, '孙悦')], basis, lax)).toMatchObject({
      method: 'FALLBACK',
      score: 0.8,
    });
  });

  it('sends a second candidate at or above review to review, even below an exact match', () => {
    const d = decideFallback(2, rowName('王伟'), [person(1, '王伟'), person(2, '王玮')], basis, T);
    expect(d).toMatchObject({
      method: 'REVIEW',
      score: 1,
      evidence: { reason: 'SEVERAL_CANDIDATES', aboveReview: 2 },
    });
    expect(d.review!.candidates.map((c) => c.personId)).toEqual([1, 2]);
  });

  it('always reviews namesakes, whatever the town says', () => {
    const d = decideFallback(
      2,
      rowName('刘洋'),
      [person(1, '刘洋', 1), person(2, '刘洋', 2)],
      { ...basis, townId: 1 },
      T,
    );
    expect(d).toMatchObject({ method: 'REVIEW', evidence: { reason: 'NAMESAKES' } });
  });

  it('narrows by town; a candidate only in another town is reviewed', () => {
    const candidates = [person(1, '郑和', 1), person(2, '郑河', 2)];
    expect(decideFallback(2, rowName('郑和'), candidates, { ...basis, townId: 1 }, T)).toMatchObject({
      method: 'FALLBACK',
      personId: 1,
    });
    expect(decideFallback(2, rowName('郑和'), candidates, { ...basis, townId: 3 }, T)).toMatchObject({
      method: 'REVIEW',
      evidence: { reason: 'OTHER_TOWN' },
    });
  });

  it('is unmatched without candidates, below review, or without a name', () => {
    expect(decideFallback(2, rowName('冯小刚'), [], basis, T)).toMatchObject({
      method: 'UNMATCHED',
      evidence: { reason: 'NO_CANDIDATE' },
    });
    expect(decideFallback(2, rowName('冯小刚'), [person(1, '李梅')], basis, T)).toMatchObject({
      method: 'UNMATCHED',
      evidence: { reason: 'BELOW_REVIEW' },
    });
    expect(decideFallback(2, rowName(null), [person(1, '李梅')], basis, T)).toMatchObject({
      method: 'UNMATCHED',
      evidence: { reason: 'NO_NAME' },
    });
  });
});

describe('decideIdRow', () => {
  it('matches by ID unless the names clearly differ', () => {
    expect(decideIdRow(2, rowName('王莉'), person(7, '王丽'), [], T)).toMatchObject({
      method: 'ID',
      personId: 7,
      evidence: { name: 'HOMOPHONE' },
    });
    expect(decideIdRow(2, rowName('陈建图'), person(7, '陈建国'), [], T)).toMatchObject({
      method: 'ID',
      evidence: { name: 'ONE_CHAR' },
    });
    const d = decideIdRow(
      2,
      rowName('王建军'),
      person(7, '李梅'),
      [person(7, '李梅'), person(8, '王建军'), person(9, '赵六')],
      T,
    );
    expect(d).toMatchObject({
      method: 'CONFLICT',
      personId: null,
      evidence: { idPersonId: 7, alternatives: 1 },
    });
    expect(d.review).toEqual({
      kind: 'CONFLICT',
      candidates: [
        { personId: 7, score: 0, kind: 'ID' },
        { personId: 8, score: 1, kind: 'EXACT' },
      ],
    });
  });
});

describe('decideNameOnly', () => {
  it('never auto-matches; caps the candidates', () => {
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    const d = decideNameOnly(2, rowName('张三'), ids, 30, {
      idStatus: 'SCIENTIFIC_NOTATION',
      gender: false,
      town: false,
    });
    expect(d).toMatchObject({
      method: 'REVIEW',
      personId: null,
      evidence: { reason: 'NAME_ONLY', candidates: 30 },
    });
    expect(d.review!.candidates).toHaveLength(REVIEW_CANDIDATE_LIMIT);
    expect(
      decideNameOnly(2, rowName('张三'), [], 0, {
        idStatus: 'SCIENTIFIC_NOTATION',
        gender: false,
        town: false,
      }).method,
    ).toBe('UNMATCHED');
  });
});
