// The household register (户籍 / 低收入人口库) in memory: struct-of-arrays so a million persons stay
// small. Households of 1–6 members (head, spouse, children, parents of the head, others), in the
// district's towns, with area type, address, monthly income planted around the low-income
// thresholds, assistance status, refused-before flag, and a few namesakes (same name, birth date
// and gender in two households).

import { ageOn, dayOf, dayOfIso, yearsBefore, ymdOf } from './calendar.ts';
import { pad } from './format.ts';
import { drawRegion, drawSeq, makeId, regionCode } from './ids.ts';
import { drawGiven, drawMinorityName, drawSurname, isMinorityName, minorityGivenOf } from './names.ts';
import { forkRng, type Rng } from './prng.ts';
import type { Standards } from './standards.ts';
import { buildVillages, ROADS, TOWN_WEIGHTS, TOWNS, type Village } from './towns.ts';

export const RELATIONS = ['HEAD', 'SPOUSE', 'CHILD', 'PARENT', 'OTHER'] as const;
export type Relation = (typeof RELATIONS)[number];
export const REL = { HEAD: 0, SPOUSE: 1, CHILD: 2, PARENT: 3, OTHER: 4 } as const;

export const STATUSES = ['NONE', 'DIBAO', 'TEKUN', 'MARGINAL', 'MONITORED'] as const;
export type Status = (typeof STATUSES)[number];
export const ST = { NONE: 0, DIBAO: 1, TEKUN: 2, MARGINAL: 3, MONITORED: 4 } as const;

/** How a household's income was planted relative to the standard S and the marginal threshold M. */
export const INCOME_BANDS = [
  'above', // > max(M, M') — comfortable
  'marginal', // S < pc ≤ M → INCOME_MARGINAL when status NONE
  'raise_window', // M < pc ≤ M' → fires only after the raise
  'between_standards', // S < pc ≤ S' → fires before the raise, below the new standard after it
  'below', // pc < S
  'zero',
  'edge_standard', // pc = S exactly (does not fire: standard < pc)
  'edge_marginal', // pc = M exactly (fires: pc ≤ M)
  'edge_new_standard', // pc = S'
  'edge_new_marginal', // pc = M'
  'missing', // income not given
] as const;
export type IncomeBand = (typeof INCOME_BANDS)[number];
const BAND = Object.fromEntries(INCOME_BANDS.map((b, i) => [b, i])) as Record<IncomeBand, number>;

export const NO_DAY = -2_147_483_648;
const MIN_DAY = dayOf(1900, 1, 1);

export class Register {
  n = 0;
  nh = 0;
  // persons
  pRegion: Uint8Array;
  pBirth: Int32Array;
  pSeq: Uint16Array;
  pMale: Uint8Array;
  pRel: Uint8Array;
  pHh: Int32Array;
  pName: string[] = [];
  // households
  hNo: Int32Array;
  hTown: Uint8Array;
  hVillage: Uint16Array;
  hIncome: Float64Array;
  hStatus: Uint8Array;
  hRefusedOn: Int32Array;
  hFirst: Int32Array;
  hSize: Uint8Array;
  hBand: Uint8Array;
  hAddr: string[] = [];
  /** Person indices of planted namesakes, in pairs (earlier head, copy). */
  namesakePairs: number[] = [];
  private cohortIndex: { start: Int32Array; order: Int32Array; min: number } | undefined;
  private readonly ageCache = new Map<number, Uint8Array>();
  private groupsCache: number[][] | undefined;

  constructor(
    capacityPersons: number,
    capacityHouseholds: number,
    readonly villages: readonly Village[],
    readonly asOfDay: number,
  ) {
    this.pRegion = new Uint8Array(capacityPersons);
    this.pBirth = new Int32Array(capacityPersons);
    this.pSeq = new Uint16Array(capacityPersons);
    this.pMale = new Uint8Array(capacityPersons);
    this.pRel = new Uint8Array(capacityPersons);
    this.pHh = new Int32Array(capacityPersons);
    this.hNo = new Int32Array(capacityHouseholds);
    this.hTown = new Uint8Array(capacityHouseholds);
    this.hVillage = new Uint16Array(capacityHouseholds);
    this.hIncome = new Float64Array(capacityHouseholds);
    this.hStatus = new Uint8Array(capacityHouseholds);
    this.hRefusedOn = new Int32Array(capacityHouseholds);
    this.hFirst = new Int32Array(capacityHouseholds);
    this.hSize = new Uint8Array(capacityHouseholds);
    this.hBand = new Uint8Array(capacityHouseholds);
  }

  addHousehold(h: {
    no: number;
    town: number;
    village: number;
    income: number;
    status: number;
    refusedOn: number;
    band: number;
    address: string;
  }): number {
    const i = this.nh++;
    this.hNo[i] = h.no;
    this.hTown[i] = h.town;
    this.hVillage[i] = h.village;
    this.hIncome[i] = h.income;
    this.hStatus[i] = h.status;
    this.hRefusedOn[i] = h.refusedOn;
    this.hBand[i] = h.band;
    this.hAddr[i] = h.address;
    this.hFirst[i] = this.n;
    this.hSize[i] = 0;
    return i;
  }

  /** Adds a member to the household added last (members are contiguous). */
  addPerson(p: {
    region: number;
    birth: number;
    seq: number;
    male: boolean;
    rel: number;
    name: string;
  }): number {
    const i = this.n++;
    const h = this.nh - 1;
    this.pRegion[i] = p.region;
    this.pBirth[i] = p.birth;
    this.pSeq[i] = p.seq;
    this.pMale[i] = p.male ? 1 : 0;
    this.pRel[i] = p.rel;
    this.pHh[i] = h;
    this.pName[i] = p.name;
    this.hSize[h] = (this.hSize[h] ?? 0) + 1;
    this.cohortIndex = undefined;
    this.groupsCache = undefined;
    return i;
  }

  idOf(p: number): string {
    return makeId(regionCode(this.pRegion[p] ?? 0), this.pBirth[p] ?? 0, this.pSeq[p] ?? 0);
  }

  householdNo(h: number): string {
    const town = TOWNS[this.hTown[h] ?? 0];
    return `${town?.code ?? '130802000'}${pad(this.hNo[h] ?? 0, 7)}`;
  }

  townName(h: number): string {
    return TOWNS[this.hTown[h] ?? 0]?.name ?? '';
  }

  isUrban(h: number): boolean {
    return this.villages[this.hVillage[h] ?? 0]?.urban ?? true;
  }

  villageName(h: number): string {
    return this.villages[this.hVillage[h] ?? 0]?.name ?? '';
  }

  /** Monthly household income, or null when not given. */
  income(h: number): number | null {
    const v = this.hIncome[h] ?? Number.NaN;
    return Number.isNaN(v) ? null : v;
  }

  perCapita(h: number): number | null {
    const inc = this.income(h);
    const size = this.hSize[h] ?? 0;
    return inc === null || size === 0 ? null : inc / size;
  }

  status(h: number): Status {
    return STATUSES[this.hStatus[h] ?? 0] ?? 'NONE';
  }

  ageOf(p: number, day: number): number {
    return ageOn(this.pBirth[p] ?? 0, day);
  }

  /** Completed years of every person on `day` (capped at 255), computed once per day. */
  agesAt(day: number): Uint8Array {
    const hit = this.ageCache.get(day);
    if (hit !== undefined && hit.length === this.n) return hit;
    const ages = new Uint8Array(this.n);
    for (let p = 0; p < this.n; p++) ages[p] = Math.max(0, Math.min(255, ageOn(this.pBirth[p] ?? 0, day)));
    this.ageCache.set(day, ages);
    return ages;
  }

  /** Persons grouped by birth day (for name + birth date candidate checks). */
  cohortOf(day: number): Int32Array {
    const idx = (this.cohortIndex ??= this.buildCohorts());
    const k = day - idx.min;
    if (k < 0 || k + 1 >= idx.start.length) return new Int32Array(0);
    return idx.order.subarray(idx.start[k] ?? 0, idx.start[k + 1] ?? 0);
  }

  private buildCohorts(): { start: Int32Array; order: Int32Array; min: number } {
    let min = Number.MAX_SAFE_INTEGER;
    let max = Number.MIN_SAFE_INTEGER;
    for (let i = 0; i < this.n; i++) {
      const b = this.pBirth[i] ?? 0;
      if (b < min) min = b;
      if (b > max) max = b;
    }
    if (this.n === 0) {
      min = 0;
      max = 0;
    }
    const span = max - min + 1;
    const start = new Int32Array(span + 1);
    for (let i = 0; i < this.n; i++) {
      const k = (this.pBirth[i] ?? 0) - min + 1;
      start[k] = (start[k] ?? 0) + 1;
    }
    for (let k = 0; k < span; k++) start[k + 1] = (start[k + 1] ?? 0) + (start[k] ?? 0);
    const fill = start.slice(0, span);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const k = (this.pBirth[i] ?? 0) - min;
      order[fill[k] ?? 0] = i;
      fill[k] = (fill[k] ?? 0) + 1;
    }
    return { start, order, min };
  }

  /** Groups of ≥ 2 persons with the same name, birth date and gender (planted or by chance). */
  namesakeGroups(): number[][] {
    if (this.groupsCache !== undefined) return this.groupsCache;
    const groups: number[][] = [];
    const idx = (this.cohortIndex ??= this.buildCohorts());
    for (let k = 0; k + 1 < idx.start.length; k++) {
      const from = idx.start[k] ?? 0;
      const to = idx.start[k + 1] ?? 0;
      if (to - from < 2) continue;
      const seen = new Map<string, number[]>();
      for (let j = from; j < to; j++) {
        const p = idx.order[j] ?? 0;
        const key = `${this.pName[p]}|${this.pMale[p]}`;
        const list = seen.get(key);
        if (list) list.push(p);
        else seen.set(key, [p]);
      }
      for (const list of seen.values()) if (list.length > 1) groups.push(list);
    }
    this.groupsCache = groups;
    return groups;
  }
}

// ---- generation -------------------------------------------------------------------------------

export interface RegisterOptions {
  seed: number;
  persons: number;
  asOf: string;
  standards: Standards;
}

interface Member {
  rel: number;
  male: boolean;
  age: number;
  birth?: number;
  name?: string;
}

function birthForAge(rng: Rng, age: number, asOf: number): number {
  const lo = yearsBefore(asOf, age + 1) + 1;
  const hi = yearsBefore(asOf, age);
  return rng.range(lo, hi);
}

function drawSize(rng: Rng): number {
  return 1 + rng.weighted([15, 25, 25, 18, 11, 6]);
}

function drawHeadAge(rng: Rng, size: number): number {
  if (size === 1) return rng.chance(0.6) ? rng.range(55, 92) : rng.range(22, 58);
  const band = rng.weighted([20, 35, 30, 15]);
  return band === 0
    ? rng.range(22, 35)
    : band === 1
      ? rng.range(36, 50)
      : band === 2
        ? rng.range(51, 65)
        : rng.range(66, 85);
}

function compose(rng: Rng, size: number, head: Member): Member[] {
  const members: Member[] = [head];
  if (size === 1) return members;
  const headAge = head.age;
  const hasSpouse = rng.chance(size === 2 ? 0.7 : 0.88);
  let younger = headAge;
  if (hasSpouse) {
    const delta = head.male ? rng.range(-8, 2) : rng.range(-2, 8);
    const age = Math.max(20, Math.min(98, headAge + delta));
    members.push({ rel: REL.SPOUSE, male: !head.male, age });
    younger = Math.min(headAge, age);
  }
  let kids = 0;
  let parents = 0;
  let firstParentMale = rng.chance(0.5);
  while (members.length < size) {
    const canChild = kids < 4 && younger >= 20;
    const canParent = parents < 2 && headAge <= 68;
    if (canChild && (!canParent || rng.chance(0.72))) {
      const age = Math.max(0, Math.min(younger - 20, younger - rng.range(20, 38)));
      members.push({ rel: REL.CHILD, male: rng.chance(0.52), age });
      kids++;
    } else if (canParent) {
      const male = parents === 0 ? firstParentMale : !firstParentMale;
      members.push({ rel: REL.PARENT, male, age: Math.min(98, headAge + rng.range(20, 34)) });
      parents++;
      firstParentMale = male;
    } else {
      const age =
        headAge >= 50
          ? rng.range(0, Math.min(17, headAge - 45))
          : Math.max(16, Math.min(90, headAge + rng.range(-10, 10)));
      members.push({ rel: REL.OTHER, male: rng.chance(0.5), age });
    }
  }
  return members;
}

function drawStatus(rng: Rng, urban: boolean, size: number, headAge: number): number {
  const tekun = size <= 2 && headAge >= 60 ? 4 : 0.5;
  const w = urban ? [88, 6, tekun, 5, 0] : [80, 7, tekun, 4, 7.5];
  return rng.weighted(w);
}

function drawBand(rng: Rng, status: number): number {
  switch (status) {
    case ST.DIBAO:
      return rng.weightedPick([
        [BAND.below, 70],
        [BAND.zero, 20],
        [BAND.edge_standard, 5],
        [BAND.marginal, 5],
      ] as const);
    case ST.TEKUN:
      return rng.weightedPick([
        [BAND.below, 70],
        [BAND.zero, 30],
      ] as const);
    case ST.MARGINAL:
      return rng.weightedPick([
        [BAND.marginal, 80],
        [BAND.edge_marginal, 5],
        [BAND.raise_window, 5],
        [BAND.below, 10],
      ] as const);
    case ST.MONITORED:
      return rng.weightedPick([
        [BAND.below, 20],
        [BAND.marginal, 40],
        [BAND.above, 40],
      ] as const);
    default:
      return rng.weightedPick([
        [BAND.above, 60],
        [BAND.marginal, 14],
        [BAND.raise_window, 4],
        [BAND.between_standards, 3],
        [BAND.below, 8],
        [BAND.zero, 2],
        [BAND.edge_standard, 1.25],
        [BAND.edge_marginal, 1.25],
        [BAND.edge_new_standard, 1.25],
        [BAND.edge_new_marginal, 1.25],
        [BAND.missing, 2],
      ] as const);
  }
}

/** Monthly household income for a band (NaN = missing). Ranges are on the household total. */
function incomeFor(
  rng: Rng,
  band: number,
  size: number,
  s: number,
  s2: number,
  m: number,
  m2: number,
): number {
  const between = (lo: number, hi: number): number => {
    // integer total in (lo, hi]
    const a = Math.floor(lo) + 1;
    const b = Math.floor(hi);
    return b < a ? hi : rng.range(a, b);
  };
  switch (INCOME_BANDS[band]) {
    case 'above':
      return between(Math.max(m, m2) * size * 1.05, Math.max(m, m2) * size * 4);
    case 'marginal':
      return between(s * size, m * size);
    case 'raise_window':
      return m2 > m ? between(m * size, m2 * size) : between(s * size, m * size);
    case 'between_standards':
      return s2 > s ? between(s * size, s2 * size) : between(s * size, m * size);
    case 'below':
      return rng.range(Math.floor(0.2 * s * size), Math.ceil(s * size) - 1);
    case 'zero':
      return 0;
    case 'edge_standard':
      return s * size;
    case 'edge_marginal':
      return m * size;
    case 'edge_new_standard':
      return s2 * size;
    case 'edge_new_marginal':
      return m2 * size;
    default:
      return Number.NaN;
  }
}

function address(rng: Rng, town: string, village: Village): string {
  if (village.urban) {
    return `${town}${rng.pick(ROADS)}${rng.range(1, 300)}号${rng.range(1, 20)}栋${rng.range(1, 4)}单元${rng.range(1, 18)}0${rng.range(1, 4)}室`;
  }
  return `${town}${village.name}${rng.range(1, 12)}组${rng.range(1, 150)}号`;
}

export function generateRegister(opts: RegisterOptions): Register {
  const rng = forkRng(opts.seed, 'register');
  const { villages, byTown } = buildVillages(forkRng(opts.seed, 'towns'));
  const asOf = dayOfIso(opts.asOf);
  const n = opts.persons;
  const reg = new Register(n, n, villages, asOf);
  const usedIds = new Set<number>();
  const expectedHouseholds = Math.max(1, n / 2.9);
  const pNamesake = Math.min(0.2, Math.max(0.002, 4 / expectedHouseholds));
  const refusedFrom = dayOf(2019, 1, 1);

  const uniqueSeq = (region: number, birth: number, male: boolean): number => {
    for (;;) {
      const seq = drawSeq(rng, male, false);
      const key = idKey(region, birth, seq);
      if (!usedIds.has(key)) {
        usedIds.add(key);
        return seq;
      }
    }
  };

  // Children of earlier households by surname, for child namesakes (same name, birth date, gender).
  const recentChildren = new Map<string, number[]>();
  const copyChild = (m: Member, surname: string, members: Member[], self: number): void => {
    const list = recentChildren.get(surname);
    if (list === undefined || list.length === 0) return;
    const parents = members
      .filter((x) => x.rel === REL.HEAD || x.rel === REL.SPOUSE)
      .map((x) => x.birth ?? 0);
    const earliest = Math.max(...parents) + Math.ceil(20 * 365.25); // youngest parent at least 20
    const latest = Math.min(...parents) + Math.floor(48 * 365.25); // oldest parent at most 48
    for (let t = 0; t < 5; t++) {
      const q = rng.pick(list);
      const b = reg.pBirth[q] ?? 0;
      if (b < earliest || b > latest) continue;
      m.birth = b;
      m.male = reg.pMale[q] === 1;
      m.name = reg.pName[q] ?? '';
      reg.namesakePairs.push(q, self);
      return;
    }
  };

  while (reg.n < n) {
    const size = Math.min(drawSize(rng), n - reg.n);
    const town = rng.weighted(TOWN_WEIGHTS);
    const t = TOWNS[town];
    const lists = byTown[town];
    if (t === undefined || lists === undefined) throw new Error('town table');
    const urban = lists.rural.length === 0 || (lists.urban.length > 0 && rng.chance(t.urban));
    const village = rng.pick(urban ? lists.urban : lists.rural);

    // Head: normally drawn, rarely a namesake of an earlier head (same name, birth date, gender).
    let head: Member;
    if (reg.nh > 5 && rng.chance(pNamesake)) {
      const other = reg.hFirst[rng.int(reg.nh)] ?? 0;
      const birth = reg.pBirth[other] ?? 0;
      head = {
        rel: REL.HEAD,
        male: reg.pMale[other] === 1,
        age: ageOn(birth, asOf),
        birth,
        name: reg.pName[other] ?? '',
      };
      reg.namesakePairs.push(other, reg.n);
    } else {
      head = {
        rel: REL.HEAD,
        male: size === 1 ? rng.chance(0.5) : rng.chance(0.78),
        age: drawHeadAge(rng, size),
      };
    }
    const members = compose(rng, size, head);
    for (const m of members) m.birth ??= birthForAge(rng, m.age, asOf);
    const startN = reg.n;

    // Names.
    const minority = head.name !== undefined ? isMinorityName(head.name) : rng.chance(0.004);
    const headSurname = head.name !== undefined ? (Array.from(head.name)[0] ?? '王') : drawSurname(rng);
    const headBirthYear = (age: number): number => ymdOf(asOf).y - age;
    if (head.name === undefined) {
      head.name = minority
        ? drawMinorityName(rng, head.male ? 'M' : 'F')
        : headSurname + drawGiven(rng, head.male ? 'M' : 'F', headBirthYear(head.age));
    }
    const spouse = members.find((m) => m.rel === REL.SPOUSE);
    if (spouse) {
      spouse.name = minority
        ? drawMinorityName(rng, spouse.male ? 'M' : 'F')
        : drawSurname(rng) + drawGiven(rng, spouse.male ? 'M' : 'F', headBirthYear(spouse.age));
    }
    const father = head.male ? head : spouse?.male ? spouse : head;
    const childSurname = Array.from(father.name ?? headSurname)[0] ?? headSurname;
    const fatherGiven = minorityGivenOf(father.name ?? '');
    for (const m of members) {
      if (m.name !== undefined) continue;
      const g = m.male ? 'M' : 'F';
      if (minority) {
        m.name = drawMinorityName(rng, g, m.rel === REL.CHILD ? fatherGiven : undefined);
      } else if (m.rel === REL.PARENT) {
        m.name = (m.male ? headSurname : drawSurname(rng)) + drawGiven(rng, g, headBirthYear(m.age));
      } else {
        if (m.rel === REL.CHILD && rng.chance(pNamesake))
          copyChild(m, childSurname, members, startN + members.indexOf(m));
        m.name ??= childSurname + drawGiven(rng, g, headBirthYear(m.age));
      }
    }

    // Household: status, income around the thresholds, refused-before.
    const status = drawStatus(rng, urban, size, head.age);
    const band = drawBand(rng, status);
    const s = opts.standards.at(asOf, urban);
    const s2 = opts.standards.nextAfter(asOf, urban);
    const f = opts.standards.marginalFactor;
    const income = incomeFor(rng, band, size, s, s2, s * f, s2 * f);
    const refusable = status === ST.NONE || status === ST.MARGINAL || status === ST.MONITORED;
    const refusedOn = rng.chance(refusable ? 0.03 : 0.008) ? rng.range(refusedFrom, asOf - 15) : NO_DAY;
    const v = villages[village];
    if (v === undefined) throw new Error('village table');
    reg.addHousehold({
      no: reg.nh + 1,
      town,
      village,
      income,
      status,
      refusedOn,
      band,
      address: address(rng, t.name, v),
    });
    for (const m of members) {
      const birth = m.birth ?? birthForAge(rng, m.age, asOf);
      const region = drawRegion(rng);
      const p = reg.addPerson({
        region,
        birth,
        seq: uniqueSeq(region, birth, m.male),
        male: m.male,
        rel: m.rel,
        name: m.name ?? '',
      });
      if (m.rel === REL.CHILD && !minority) {
        const list = recentChildren.get(childSurname) ?? [];
        if (list.length < 64) list.push(p);
        else list[rng.int(64)] = p;
        recentChildren.set(childSurname, list);
      }
    }
  }
  return reg;
}

/** A birth day giving exactly `age` completed years on `asOf`. */
export function birthDayForAge(rng: Rng, age: number, asOf: number): number {
  return birthForAge(rng, age, asOf);
}

/** The key that keeps register IDs unique (region, birth day, sequence). */
export function idKey(region: number, birth: number, seq: number): number {
  return (region * 60_000 + (birth - MIN_DAY)) * 1000 + seq;
}
