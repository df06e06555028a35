import { describe, expect, it } from 'vitest';
import {
  NAME_SCORES,
  compareNames,
  maskName,
  nameEditDistance,
  namePinyin,
  namesClearlyDiffer,
  normaliseName,
} from './name.ts';

describe('normaliseName', () => {
  it('converts character by character, never rewriting a name as a phrase', () => {
    // OpenCC's phrase table maps the word 沈思 to 沉思; a name is not a phrase
    expect(normaliseName('沈思琪')).toBe('沈思琪');
    expect(normaliseName('瀋思琪')).toBe('沈思琪');
    expect(compareNames('沈博琪', '沈思琪').kind).toBe('ONE_CHAR');
  });

  it.each([
    ['張三', '张三'], // traditional 繁体
    ['張偉', '张伟'],
    ['劉德華', '刘德华'],
    ['鍾麗緹', '钟丽缇'],
    ['衞蘭', '卫兰'], // Hong Kong variant 衞
    ['张三', '张三'], // already simplified: unchanged
    ['张 三', '张三'], // space between characters
    ['张\u3000三', '张三'], // ideographic space
    [' 张三\t', '张三'],
    ['张\u200B三', '张三'], // zero-width space
    ['阿依古丽·买买提', '阿依古丽买买提'], // minority name separator
    ['阿依古丽•买买提', '阿依古丽买买提'],
    ['阿依古丽・买买提', '阿依古丽买买提'],
    ['阿依古丽.买买提', '阿依古丽买买提'],
    ['阿依古丽．买买提', '阿依古丽买买提'], // full-width full stop
    ['阿依古丽-买买提', '阿依古丽买买提'],
    ['阿依古丽_买买提', '阿依古丽买买提'],
    ['阿依古丽‧买买提', '阿依古丽买买提'], // U+2027 (Taiwan)
    ['ｊｏｈｎ ｓｍｉｔｈ', 'JOHNSMITH'], // full-width Latin → half-width, upper case
    ['John Smith', 'JOHNSMITH'],
    ['', ''],
  ])('%j → %s', (raw, expected) => {
    expect(normaliseName(raw)).toBe(expected);
  });

  it('is stable (normalising twice changes nothing) and cached', () => {
    const once = normaliseName('張 三·豐');
    expect(normaliseName(once)).toBe(once);
    expect(normaliseName('張 三·豐')).toBe(once);
  });
});

describe('namePinyin', () => {
  it('gives toneless syllables joined by nothing', () => {
    expect(namePinyin('王丽')).toBe('wangli');
    expect(namePinyin('王莉')).toBe('wangli');
    expect(namePinyin('张三')).toBe('zhangsan');
    expect(namePinyin('阿依古丽买买提')).toBe('ayigulimaimaiti');
  });

  it('reads the first character as a surname (单 shan, 曾 zeng)', () => {
    expect(namePinyin('单田芳')).toBe('shantianfang');
    expect(namePinyin('曾国藩')).toBe('zengguofan');
  });

  it('writes ü as v and lower-cases', () => {
    expect(namePinyin('吕布')).toBe('lvbu');
    expect(namePinyin('')).toBe('');
  });
});

describe('nameEditDistance', () => {
  it.each([
    ['', '', 0],
    ['张三', '', 2],
    ['', '张三', 2],
    ['张三', '张三', 0],
    ['张三', '张四', 1],
    ['张三', '张三丰', 1],
    ['张三丰', '李四', 3],
    ['王小明', '明小王', 2],
    ['kitten', 'sitting', 3],
    ['𠀀𠀁', '𠀀', 1], // characters outside the BMP count once
  ])('%s / %s → %i', (a, b, d) => {
    expect(nameEditDistance(a, b)).toBe(d);
    expect(nameEditDistance(b, a)).toBe(d);
  });
});

describe('compareNames', () => {
  it('EXACT after normalisation (traditional form, spacing, separators)', () => {
    const exact = { kind: 'EXACT', score: NAME_SCORES.EXACT };
    expect(compareNames('张三', '张三')).toEqual(exact);
    expect(compareNames('張三', '张三')).toEqual(exact);
    expect(compareNames('张 三', '张三')).toEqual(exact);
    expect(compareNames('阿依古丽·买买提', '阿依古丽买买提')).toEqual(exact);
    expect(NAME_SCORES.EXACT).toBe(1);
  });

  it('HOMOPHONE when the pinyin is the same (同音字)', () => {
    expect(compareNames('王丽', '王莉')).toEqual({ kind: 'HOMOPHONE', score: 0.9 });
    expect(compareNames('李明', '李铭')).toEqual({ kind: 'HOMOPHONE', score: NAME_SCORES.HOMOPHONE });
    expect(compareNames('張麗', '张莉')).toMatchObject({ kind: 'HOMOPHONE' });
  });

  it('does not call names homophones when only the joined letters agree', () => {
    expect(namePinyin('李西安')).toBe(namePinyin('李先'));
    expect(compareNames('李西安', '李先').kind).not.toBe('HOMOPHONE');
  });

  it('ONE_CHAR for an edit distance of 1', () => {
    expect(compareNames('张三', '张四')).toEqual({ kind: 'ONE_CHAR', score: 0.8 });
    expect(compareNames('张三丰', '张三')).toEqual({ kind: 'ONE_CHAR', score: NAME_SCORES.ONE_CHAR });
  });

  it('DIFFERENT otherwise, scored max(0, 1 - distance / maxLen) * 0.5', () => {
    expect(compareNames('张三', '李四')).toEqual({ kind: 'DIFFERENT', score: 0 });
    expect(compareNames('欧阳小明', '欧阳大强')).toEqual({ kind: 'DIFFERENT', score: 0.25 });
    expect(compareNames('张三丰', '张四方').score).toBeCloseTo((1 - 2 / 3) * 0.5);
  });

  it('an empty name never agrees', () => {
    expect(compareNames('', '')).toEqual({ kind: 'DIFFERENT', score: 0 });
    expect(compareNames('张三', ' ')).toEqual({ kind: 'DIFFERENT', score: 0 });
  });

  it('orders the scores', () => {
    expect(NAME_SCORES.EXACT).toBeGreaterThan(NAME_SCORES.HOMOPHONE);
    expect(NAME_SCORES.HOMOPHONE).toBeGreaterThan(NAME_SCORES.ONE_CHAR);
    expect(NAME_SCORES.ONE_CHAR).toBeGreaterThan(NAME_SCORES.DIFFERENT_MAX);
  });
});

describe('namesClearlyDiffer (domain §3: identity conflict)', () => {
  it('is false for the same name in traditional form or with spacing/separators', () => {
    expect(namesClearlyDiffer('张三', '張三')).toBe(false);
    expect(namesClearlyDiffer('张三', '张 三')).toBe(false);
    expect(namesClearlyDiffer('阿依古丽·买买提', '阿依古丽买买提')).toBe(false);
  });

  it('is false for homophones, even several characters apart', () => {
    expect(namesClearlyDiffer('王丽', '王莉')).toBe(false);
    expect(namesClearlyDiffer('王丽华', '汪莉华')).toBe(false); // distance 2, same pinyin
  });

  it('is false for a one-character difference', () => {
    expect(namesClearlyDiffer('张三', '张四')).toBe(false);
    expect(namesClearlyDiffer('张三丰', '张三')).toBe(false);
  });

  it('is true for clearly different names', () => {
    expect(namesClearlyDiffer('张三', '李四')).toBe(true);
    expect(namesClearlyDiffer('王小明', '赵大海')).toBe(true);
    expect(namesClearlyDiffer('欧阳小明', '欧阳大强')).toBe(true);
  });

  it('is false when a name is missing (no evidence of a conflict)', () => {
    expect(namesClearlyDiffer('', '张三')).toBe(false);
    expect(namesClearlyDiffer('张三', '   ')).toBe(false);
  });
});

describe('maskName', () => {
  it.each([
    ['张三', '张*'],
    ['张三丰', '张**'],
    ['欧阳小明', '欧***'],
    ['阿依古丽·买买提', '阿*******'],
    ['张', '张'],
    ['', ''],
    ['  ', ''],
    ['𠀀三', '𠀀*'],
  ])('%j → %j', (raw, masked) => {
    expect(maskName(raw)).toBe(masked);
  });
});
