// Chinese names: common surnames (weighted), given-name characters by gender, a few minority
// names with `·`, and the small tables the noise uses (traditional forms, homophone typos).
// Names of people outside the register that must never match anyone use compound surnames and
// characters the register never uses (`exoticName`).

import type { Rng } from './prng.ts';

// Weights roughly follow the national frequency list (per mille).
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 72],
  ['李', 71],
  ['张', 69],
  ['刘', 54],
  ['陈', 46],
  ['杨', 32],
  ['黄', 23],
  ['赵', 22],
  ['吴', 20],
  ['周', 19],
  ['徐', 17],
  ['孙', 15],
  ['马', 15],
  ['朱', 14],
  ['胡', 13],
  ['郭', 13],
  ['何', 12],
  ['高', 12],
  ['林', 12],
  ['罗', 11],
  ['郑', 11],
  ['梁', 10],
  ['谢', 9],
  ['宋', 8],
  ['唐', 8],
  ['许', 8],
  ['韩', 8],
  ['冯', 7],
  ['邓', 7],
  ['曹', 7],
  ['彭', 6],
  ['肖', 6],
  ['田', 6],
  ['董', 6],
  ['袁', 5],
  ['潘', 5],
  ['于', 5],
  ['蒋', 5],
  ['蔡', 5],
  ['余', 5],
  ['杜', 5],
  ['叶', 4],
  ['程', 4],
  ['苏', 4],
  ['魏', 4],
  ['吕', 4],
  ['丁', 4],
  ['任', 4],
  ['沈', 4],
  ['姚', 4],
  ['卢', 4],
  ['姜', 4],
  ['崔', 4],
  ['钟', 3],
  ['谭', 3],
  ['陆', 3],
  ['汪', 3],
  ['范', 3],
  ['金', 3],
  ['石', 3],
  ['廖', 3],
  ['贾', 3],
  ['夏', 3],
  ['韦', 3],
  ['付', 3],
  ['方', 3],
  ['白', 3],
  ['邹', 3],
  ['孟', 3],
  ['熊', 3],
  ['秦', 3],
  ['邱', 3],
  ['江', 3],
  ['尹', 3],
  ['薛', 3],
  ['闫', 3],
  ['段', 3],
  ['雷', 2],
  ['侯', 2],
  ['龙', 2],
  ['史', 2],
  ['陶', 2],
  ['黎', 2],
  ['贺', 2],
  ['顾', 2],
  ['毛', 2],
  ['郝', 2],
  ['龚', 2],
  ['邵', 2],
  ['万', 2],
  ['钱', 2],
  ['严', 2],
  ['武', 2],
  ['戴', 2],
  ['莫', 2],
  ['孔', 2],
  ['向', 2],
  ['汤', 2],
];
const SURNAME_WEIGHTS = SURNAMES.map((s) => s[1]);

export const MALE_GIVEN: readonly string[] = [
  ...'伟强磊军勇杰涛斌明刚平辉鹏华飞鑫宇浩凯健俊帆帅旭宁龙林阳建国志文海东峰洋亮成庆春永新兵博瑞晨轩然睿泽航彬超',
];
export const FEMALE_GIVEN: readonly string[] = [
  ...'芳娜敏静丽艳娟霞秀英玲桂兰萍红燕梅琳婷雪慧颖倩洁佳欣怡悦晶丹莉蕾璐瑶琪涵雨萱思梦诗雅月凤琴',
];

// Uyghur-style names written with the middle dot 间隔号: given name · father's name.
const MINORITY_MALE = ['买买提', '艾力', '阿不都', '吐尔逊', '努尔', '艾克拜尔', '亚森', '热合曼', '阿里木'];
const MINORITY_FEMALE = ['阿依古丽', '古丽娜尔', '热依拉', '迪丽拜尔', '帕提古丽', '米娜瓦尔', '阿依努尔'];

/** Simplified → traditional for common name characters (the noise writes 張 for 张). */
export const TRADITIONAL: Readonly<Record<string, string>> = {
  张: '張',
  陈: '陳',
  刘: '劉',
  黄: '黃',
  赵: '趙',
  吴: '吳',
  郑: '鄭',
  孙: '孫',
  马: '馬',
  许: '許',
  邓: '鄧',
  冯: '馮',
  韩: '韓',
  杨: '楊',
  叶: '葉',
  苏: '蘇',
  吕: '呂',
  卢: '盧',
  钟: '鍾',
  谭: '譚',
  陆: '陸',
  贾: '賈',
  龙: '龍',
  钱: '錢',
  严: '嚴',
  汤: '湯',
  顾: '顧',
  龚: '龔',
  邹: '鄒',
  罗: '羅',
  谢: '謝',
  萧: '蕭',
  蒋: '蔣',
  韦: '韋',
  贺: '賀',
  闫: '閆',
  万: '萬',
  伟: '偉',
  强: '強',
  军: '軍',
  杰: '傑',
  涛: '濤',
  辉: '輝',
  鹏: '鵬',
  华: '華',
  飞: '飛',
  宁: '寧',
  国: '國',
  东: '東',
  庆: '慶',
  丽: '麗',
  艳: '艷',
  兰: '蘭',
  红: '紅',
  颖: '穎',
  洁: '潔',
  静: '靜',
  瑶: '瑤',
  梦: '夢',
  诗: '詩',
  凤: '鳳',
  琴: '琴',
  帅: '帥',
  凯: '凱',
  鑫: '鑫',
  岚: '嵐',
  轩: '軒',
  泽: '澤',
  阳: '陽',
  亮: '亮',
};

/** Homophone typos (同音字, same pinyin and tone). */
export const HOMOPHONES: Readonly<Record<string, readonly string[]>> = {
  丽: ['莉', '俪'],
  伟: ['炜', '玮'],
  明: ['鸣', '铭'],
  静: ['婧'],
  杰: ['洁'],
  敏: ['闽'],
  芳: ['方'],
  军: ['君'],
  勇: ['涌'],
  涛: ['韬'],
  华: ['骅'],
  燕: ['艳'],
  红: ['宏', '鸿'],
  平: ['萍'],
  林: ['琳'],
  玲: ['铃'],
  娟: ['鹃'],
  霞: ['侠'],
  英: ['瑛'],
  兰: ['岚'],
  梅: ['玫'],
  婷: ['亭'],
  慧: ['惠'],
  颖: ['影'],
  佳: ['嘉'],
  欣: ['新'],
  怡: ['宜'],
  晶: ['菁'],
  辉: ['晖'],
  鹏: ['朋'],
  飞: ['菲'],
  宇: ['雨'],
  浩: ['昊'],
  凯: ['恺'],
  健: ['建'],
  俊: ['骏'],
  峰: ['锋'],
  刚: ['钢'],
  斌: ['彬'],
  磊: ['蕾'],
  强: ['蔷'],
  东: ['冬'],
  春: ['椿'],
  琴: ['芹'],
};

const COMPOUND_SURNAMES = ['欧阳', '司马', '诸葛', '上官', '东方', '皇甫', '慕容', '令狐', '公孙'];
// Never used by the register (nor their homophones), so an exotic name is ≥ 2 characters from any register name.
const RARE_GIVEN = [...'翀骁珩琰炅昶晗翊彧煜玥珂瑾璟'];

export function drawSurname(rng: Rng): string {
  return SURNAMES[rng.weighted(SURNAME_WEIGHTS)]?.[0] ?? '王';
}

/** A given name: one or two characters (older generations more often one). */
export function drawGiven(rng: Rng, gender: 'M' | 'F', birthYear: number): string {
  const pool = gender === 'M' ? MALE_GIVEN : FEMALE_GIVEN;
  const single = rng.chance(birthYear < 1970 ? 0.45 : birthYear < 2000 ? 0.3 : 0.2);
  const a = rng.pick(pool);
  if (single) return a;
  // The second character occasionally from the other pool (e.g. 志芳, 春雨).
  const b = rng.chance(0.15) ? rng.pick(gender === 'M' ? FEMALE_GIVEN : MALE_GIVEN) : rng.pick(pool);
  return a === b && rng.chance(0.7) ? a + rng.pick(pool) : a + b;
}

export function drawMinorityName(rng: Rng, gender: 'M' | 'F', fatherGiven?: string): string {
  const given = rng.pick(gender === 'M' ? MINORITY_MALE : MINORITY_FEMALE);
  const father = fatherGiven ?? rng.pick(MINORITY_MALE);
  return `${given}·${father === given ? rng.pick(MINORITY_MALE) : father}`;
}

/** The given part before `·` of a minority name (passed on as the children's second part). */
export function minorityGivenOf(name: string): string | undefined {
  const i = name.indexOf('·');
  return i < 0 ? undefined : name.slice(0, i);
}

export function isMinorityName(name: string): boolean {
  return name.includes('·');
}

/** A name no register person has or resembles (for people outside the register who must stay unmatched). */
export function exoticName(rng: Rng): string {
  const n = rng.chance(0.5) ? 1 : 2;
  let given = '';
  for (let i = 0; i < n; i++) given += rng.pick(RARE_GIVEN);
  return rng.pick(COMPOUND_SURNAMES) + given;
}

/** Characters a one-character typo may substitute. */
export const TYPO_POOL: readonly string[] = [...MALE_GIVEN, ...FEMALE_GIVEN];
