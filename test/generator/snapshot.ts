// A later register snapshot (`--snapshot 2`): derived from snapshot 1 of the same seed with a few
// persons added (newborns, a household moving in), removed (members leaving, one household gone),
// moved to another household, and household status changes. The differences are the events the
// register import must find; truth/register-diff.json lists them.

import { ageOn, yearsBefore } from './calendar.ts';
import { drawRegion, drawSeq } from './ids.ts';
import { drawGiven, drawSurname, isMinorityName, minorityGivenOf, drawMinorityName } from './names.ts';
import { forkRng } from './prng.ts';
import { idKey, NO_DAY, REL, Register, ST, STATUSES } from './register.ts';

export interface RegisterDiff {
  asOf: { from: string; to: string };
  added: { id: string; name: string; householdNo: string; relation: string; reason: string }[];
  removed: { id: string; name: string; householdNo: string; reason: string }[];
  moved: { id: string; name: string; from: string; to: string }[];
  statusChanged: { householdNo: string; from: string; to: string }[];
}

interface NewPerson {
  region: number;
  birth: number;
  seq: number;
  male: boolean;
  rel: number;
  name: string;
  reason: string;
}

export function snapshot2(
  reg: Register,
  seed: number,
  asOf2Day: number,
): { reg: Register; diff: Omit<RegisterDiff, 'asOf'> } {
  const rng = forkRng(seed, 'snapshot2');
  const k = (share: number, min: number): number => Math.max(min, Math.round(reg.n * share));
  const used = new Set<number>();
  for (let p = 0; p < reg.n; p++) used.add(idKey(reg.pRegion[p] ?? 0, reg.pBirth[p] ?? 0, reg.pSeq[p] ?? 0));
  const uniqueSeq = (region: number, birth: number, male: boolean): number => {
    for (;;) {
      const seq = drawSeq(rng, male, false);
      const key = idKey(region, birth, seq);
      if (!used.has(key)) {
        used.add(key);
        return seq;
      }
    }
  };

  const removedPerson = new Map<number, string>(); // person → reason
  const removedHousehold = new Set<number>();
  const movedTo = new Map<number, number>(); // person → household
  const newIn = new Map<number, NewPerson[]>(); // household → newborns
  const movedIn = new Map<number, number[]>(); // household → persons
  const statusOf = new Map<number, number>();
  const touched = new Set<number>();

  // One whole small household leaves the district.
  if (reg.nh > 10) {
    for (let t = 0; t < 200; t++) {
      const h = rng.int(reg.nh);
      if ((reg.hSize[h] ?? 0) <= 2) {
        removedHousehold.add(h);
        touched.add(h);
        const first = reg.hFirst[h] ?? 0;
        for (let p = first; p < first + (reg.hSize[h] ?? 0); p++) removedPerson.set(p, 'household_left');
        break;
      }
    }
  }
  // Members leave (death, moved away): never the head.
  for (let i = 0, t = 0; i < k(0.001, 3) && t < 10_000; t++) {
    const p = rng.int(reg.n);
    const h = reg.pHh[p] ?? 0;
    if (reg.pRel[p] === REL.HEAD || removedPerson.has(p) || touched.has(h)) continue;
    removedPerson.set(p, reg.ageOf(p, asOf2Day) >= 75 ? 'deceased' : 'moved_away');
    touched.add(h);
    i++;
  }
  // Adults move to another household of the register (e.g. marriage), as 其他.
  for (let i = 0, t = 0; i < k(0.001, 2) && t < 10_000; t++) {
    const p = rng.int(reg.n);
    const from = reg.pHh[p] ?? 0;
    const to = rng.int(reg.nh);
    if (reg.pRel[p] === REL.HEAD || reg.ageOf(p, asOf2Day) < 18 || removedPerson.has(p) || movedTo.has(p))
      continue;
    if (to === from || touched.has(from) || touched.has(to) || (reg.hSize[to] ?? 0) >= 6) continue;
    movedTo.set(p, to);
    movedIn.set(to, [...(movedIn.get(to) ?? []), p]);
    touched.add(from);
    touched.add(to);
    i++;
  }
  // Newborns in households with a head or spouse of child-bearing age.
  const asOf1 = reg.asOfDay;
  for (let i = 0, t = 0; i < k(0.0015, 3) && t < 20_000; t++) {
    const h = rng.int(reg.nh);
    if (touched.has(h) || (reg.hSize[h] ?? 0) >= 6) continue;
    const first = reg.hFirst[h] ?? 0;
    const age = ageOn(reg.pBirth[first] ?? 0, asOf2Day);
    if (age < 22 || age > 42) continue;
    const headName = reg.pName[first] ?? '';
    const male = rng.chance(0.52);
    const birth = rng.range(asOf1 + 1, asOf2Day);
    const region = drawRegion(rng);
    let name: string;
    if (isMinorityName(headName))
      name = drawMinorityName(
        rng,
        male ? 'M' : 'F',
        reg.pMale[first] === 1 ? minorityGivenOf(headName) : undefined,
      );
    else {
      const spouse =
        first + 1 < first + (reg.hSize[h] ?? 0) && reg.pRel[first + 1] === REL.SPOUSE ? first + 1 : -1;
      const father = reg.pMale[first] === 1 ? first : spouse >= 0 && reg.pMale[spouse] === 1 ? spouse : first;
      name = (Array.from(reg.pName[father] ?? '王')[0] ?? '王') + drawGiven(rng, male ? 'M' : 'F', 2023);
    }
    newIn.set(h, [
      { region, birth, seq: uniqueSeq(region, birth, male), male, rel: REL.CHILD, name, reason: 'born' },
    ]);
    touched.add(h);
    i++;
  }
  // Status changes (a household taken into / out of assistance).
  const transitions: [number, number][] = [
    [ST.NONE, ST.MARGINAL],
    [ST.MARGINAL, ST.DIBAO],
    [ST.DIBAO, ST.NONE],
    [ST.NONE, ST.DIBAO],
    [ST.MONITORED, ST.NONE],
  ];
  for (let i = 0, t = 0; i < Math.max(2, Math.round(reg.nh * 0.002)) && t < 10_000; t++) {
    const h = rng.int(reg.nh);
    if (touched.has(h)) continue;
    const tr = transitions.find(([from]) => from === reg.hStatus[h]);
    if (tr === undefined) continue;
    statusOf.set(h, tr[1]);
    touched.add(h);
    i++;
  }
  // A household moves in: a couple in their thirties.
  const newHousehold: NewPerson[] = [];
  const headMale = rng.chance(0.7);
  for (const [rel, male] of [
    [REL.HEAD, headMale],
    [REL.SPOUSE, !headMale],
  ] as const) {
    const age = rng.range(28, 40);
    const birth = rng.range(yearsBefore(asOf2Day, age + 1) + 1, yearsBefore(asOf2Day, age));
    const region = drawRegion(rng);
    newHousehold.push({
      region,
      birth,
      seq: uniqueSeq(region, birth, male),
      male,
      rel,
      name: drawSurname(rng) + drawGiven(rng, male ? 'M' : 'F', 1990),
      reason: 'household_moved_in',
    });
  }

  // Rebuild, keeping the household numbers of snapshot 1.
  const extra = [...newIn.values()].reduce((a, l) => a + l.length, 0) + newHousehold.length;
  const out = new Register(reg.n + extra, reg.nh + 1, reg.villages, asOf2Day);
  const diff: Omit<RegisterDiff, 'asOf'> = { added: [], removed: [], moved: [], statusChanged: [] };
  let maxNo = 0;
  const copyHousehold = (h: number, status: number): void => {
    out.addHousehold({
      no: reg.hNo[h] ?? 0,
      town: reg.hTown[h] ?? 0,
      village: reg.hVillage[h] ?? 0,
      income: reg.hIncome[h] ?? Number.NaN,
      status,
      refusedOn: reg.hRefusedOn[h] ?? NO_DAY,
      band: reg.hBand[h] ?? 0,
      address: reg.hAddr[h] ?? '',
    });
  };
  const copyPerson = (p: number, rel: number): number =>
    out.addPerson({
      region: reg.pRegion[p] ?? 0,
      birth: reg.pBirth[p] ?? 0,
      seq: reg.pSeq[p] ?? 0,
      male: reg.pMale[p] === 1,
      rel,
      name: reg.pName[p] ?? '',
    });
  const addNew = (np: NewPerson): void => {
    const q = out.addPerson(np);
    diff.added.push({
      id: out.idOf(q),
      name: np.name,
      householdNo: out.householdNo(out.nh - 1),
      relation: np.rel === REL.HEAD ? 'HEAD' : np.rel === REL.SPOUSE ? 'SPOUSE' : 'CHILD',
      reason: np.reason,
    });
  };

  for (let h = 0; h < reg.nh; h++) {
    maxNo = Math.max(maxNo, reg.hNo[h] ?? 0);
    const first = reg.hFirst[h] ?? 0;
    const last = first + (reg.hSize[h] ?? 0);
    if (removedHousehold.has(h)) {
      for (let p = first; p < last; p++)
        diff.removed.push({
          id: reg.idOf(p),
          name: reg.pName[p] ?? '',
          householdNo: reg.householdNo(h),
          reason: 'household_left',
        });
      continue;
    }
    const status = statusOf.get(h) ?? reg.hStatus[h] ?? 0;
    copyHousehold(h, status);
    if (statusOf.has(h))
      diff.statusChanged.push({
        householdNo: reg.householdNo(h),
        from: STATUSES[reg.hStatus[h] ?? 0] ?? '',
        to: STATUSES[status] ?? '',
      });
    for (let p = first; p < last; p++) {
      const why = removedPerson.get(p);
      if (why !== undefined) {
        diff.removed.push({
          id: reg.idOf(p),
          name: reg.pName[p] ?? '',
          householdNo: reg.householdNo(h),
          reason: why,
        });
        continue;
      }
      if (movedTo.has(p)) continue;
      copyPerson(p, reg.pRel[p] ?? REL.OTHER);
    }
    for (const p of movedIn.get(h) ?? []) {
      copyPerson(p, REL.OTHER);
      diff.moved.push({
        id: reg.idOf(p),
        name: reg.pName[p] ?? '',
        from: reg.householdNo(reg.pHh[p] ?? 0),
        to: reg.householdNo(h),
      });
    }
    for (const np of newIn.get(h) ?? []) addNew(np);
  }
  // The household that moved in, in the first town.
  const village = reg.villages.findIndex((v) => v.town === 0 && v.urban);
  out.addHousehold({
    no: maxNo + 1,
    town: 0,
    village: Math.max(0, village),
    income: 6000,
    status: ST.NONE,
    refusedOn: NO_DAY,
    band: 0,
    address: '城关镇建设路18号2栋1单元302室',
  });
  for (const np of newHousehold) addNew(np);
  out.namesakePairs = [];
  return { reg: out, diff };
}
