// The district's towns and community offices (托管镇 / 社区办) with their villages (村) and
// communities (社区). Villages are rural, communities urban.

import type { Rng } from './prng.ts';

export interface Town {
  readonly name: string;
  readonly code: string;
  /** Share of households living in communities (urban). */
  readonly urban: number;
  readonly weight: number;
}

export const TOWNS: readonly Town[] = [
  { name: '城关镇', code: '130802100', urban: 0.75, weight: 18 },
  { name: '东城社区办', code: '130802001', urban: 1, weight: 14 },
  { name: '西河镇', code: '130802101', urban: 0.2, weight: 12 },
  { name: '南湖镇', code: '130802102', urban: 0.3, weight: 12 },
  { name: '北山镇', code: '130802103', urban: 0.1, weight: 9 },
  { name: '青石镇', code: '130802104', urban: 0.15, weight: 10 },
  { name: '柳林镇', code: '130802105', urban: 0.2, weight: 12 },
  { name: '白沙社区办', code: '130802002', urban: 1, weight: 13 },
];
export const TOWN_WEIGHTS = TOWNS.map((t) => t.weight);

export interface Village {
  readonly town: number;
  readonly name: string;
  readonly urban: boolean;
}

const VILLAGE_NAMES = [
  '王家庄',
  '李家营',
  '河东',
  '河西',
  '前坡',
  '后坡',
  '大石',
  '小石',
  '东沟',
  '西沟',
  '上营',
  '下营',
  '马家店',
  '杨树岭',
  '柳树沟',
  '红旗',
  '新立',
  '石门',
  '双庙',
  '三道河',
  '梨树峪',
  '黄土梁',
  '南台',
  '北台',
  '张家湾',
  '刘家窝铺',
  '孤山子',
  '八家',
  '五道沟',
  '高家店',
];
const COMMUNITY_NAMES = [
  '新华',
  '胜利',
  '和平',
  '建设',
  '文化',
  '光明',
  '幸福',
  '朝阳',
  '育才',
  '滨河',
  '花园',
  '锦绣',
  '北关',
  '南关',
  '东街',
  '西街',
  '站前',
  '兴隆',
  '怡和',
  '御景',
];
export const ROADS = [
  '建设路',
  '人民路',
  '解放路',
  '新华街',
  '胜利街',
  '滨河路',
  '朝阳路',
  '文化街',
  '迎宾路',
  '学院路',
];

/** Villages and communities of every town (drawn once per seed, independent of the register size). */
export function buildVillages(rng: Rng): {
  villages: Village[];
  byTown: { rural: number[]; urban: number[] }[];
} {
  const villages: Village[] = [];
  const byTown: { rural: number[]; urban: number[] }[] = [];
  TOWNS.forEach((town, t) => {
    const entry = { rural: [] as number[], urban: [] as number[] };
    const nUrban = town.urban >= 1 ? rng.range(6, 10) : town.urban > 0.5 ? rng.range(4, 7) : rng.range(1, 3);
    const nRural = town.urban >= 1 ? 0 : rng.range(6, 12);
    const communities = [...COMMUNITY_NAMES];
    const rural = [...VILLAGE_NAMES];
    for (let i = 0; i < nUrban && communities.length > 0; i++) {
      const [name] = communities.splice(rng.int(communities.length), 1);
      entry.urban.push(villages.length);
      villages.push({ town: t, name: `${name ?? '新华'}社区`, urban: true });
    }
    for (let i = 0; i < nRural && rural.length > 0; i++) {
      const [name] = rural.splice(rng.int(rural.length), 1);
      entry.rural.push(villages.length);
      villages.push({ town: t, name: `${name ?? '王家庄'}村`, urban: false });
    }
    byTown.push(entry);
  });
  return { villages, byTown };
}
