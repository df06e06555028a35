// Writes the register as the civil-affairs system exports it (one CSV row per member, household
// fields repeated, headers from register.yaml) plus its ground truth: persons.csv, households.csv
// and register.json.

import { writeFile } from 'node:fs/promises';
import { formatDate, isoOf, type DateFormat } from './calendar.ts';
import { plainAmount } from './format.ts';
import { CodeStyle, type FeedLayout, type FieldLayout } from './mappings.ts';
import { isMinorityName } from './names.ts';
import { forkRng } from './prng.ts';
import { INCOME_BANDS, NO_DAY, RELATIONS, STATUSES, type Register } from './register.ts';
import { sortKeys } from './truth.ts';
import { TOWNS } from './towns.ts';
import { CsvWriter, type TextEncodingName } from './writers.ts';

export interface RegisterFileInfo {
  file: string;
  encoding: TextEncodingName;
  rows: number;
  dateFormat: DateFormat;
  amountStyle: 'plain' | 'fixed2';
  codeStyles: Record<string, number>;
}

const GENDERED: Record<string, [string, string]> = {
  // relation → [word for a man, word for a woman] when the file uses the gendered words
  SPOUSE: ['夫', '妻'],
  CHILD: ['子', '女'],
  PARENT: ['父亲', '母亲'],
  HEAD: ['本人', '本人'],
};

export async function writeRegisterCsv(
  reg: Register,
  layout: FeedLayout,
  seed: number,
  path: string,
  encoding: TextEncodingName,
): Promise<RegisterFileInfo> {
  const styleRng = forkRng(seed, 'style:register');
  const codes = new CodeStyle(layout, styleRng);
  const dateFormat = styleRng.weightedPick<DateFormat>([
    ['iso', 6],
    ['compact', 2],
    ['slash', 2],
  ]);
  const amountStyle = styleRng.chance(0.5) ? 'fixed2' : 'plain';
  const relationField = layout.field('relation');
  const gendered =
    codes.style('relation') > 0 &&
    relationField?.known !== undefined &&
    Object.values(GENDERED).every(
      ([m, f]) => relationField.known?.has(m) === true && relationField.known.has(f),
    );

  const word = (f: FieldLayout, v: string | boolean): string => codes.word(f, v);
  type Render = (p: number, h: number) => string;
  const renderers: Render[] = layout.fields.map((f): Render => {
    switch (f.name) {
      case 'household_no':
        return (_p, h) => reg.householdNo(h);
      case 'town':
        return (_p, h) => reg.townName(h);
      case 'village':
        return (_p, h) => reg.villageName(h);
      case 'area_type':
        return (_p, h) => word(f, reg.isUrban(h) ? 'URBAN' : 'RURAL');
      case 'address':
        return (_p, h) => reg.hAddr[h] ?? '';
      case 'monthly_income':
        return (_p, h) => {
          const v = reg.income(h);
          return v === null ? '' : amountStyle === 'fixed2' ? v.toFixed(2) : plainAmount(v);
        };
      case 'assistance_status':
        return (_p, h) => word(f, reg.status(h));
      case 'refused_before':
        return (_p, h) => word(f, (reg.hRefusedOn[h] ?? NO_DAY) !== NO_DAY);
      case 'refused_on':
        return (_p, h) => {
          const d = reg.hRefusedOn[h] ?? NO_DAY;
          return d === NO_DAY ? '' : formatDate(d, dateFormat);
        };
      case 'id_number':
        return (p) => reg.idOf(p);
      case 'name':
        return (p) => reg.pName[p] ?? '';
      case 'gender':
        return (p) => word(f, reg.pMale[p] === 1 ? 'M' : 'F');
      case 'birth_date':
        return (p) => formatDate(reg.pBirth[p] ?? 0, dateFormat);
      case 'relation':
        return (p) => {
          const rel = RELATIONS[reg.pRel[p] ?? 0] ?? 'OTHER';
          const g = GENDERED[rel];
          if (gendered && g !== undefined) return reg.pMale[p] === 1 ? g[0] : g[1];
          return word(f, rel);
        };
      default:
        if (f.required)
          throw new Error(`register.yaml requires field ${f.name}, which the generator does not know`);
        return () => '';
    }
  });

  const csv = new CsvWriter(path, encoding, { quoteAll: false, eol: '\r\n' });
  await csv.writeRow(layout.headers);
  const cells: string[] = new Array<string>(renderers.length);
  let rows = 0;
  for (let h = 0; h < reg.nh; h++) {
    const first = reg.hFirst[h] ?? 0;
    const last = first + (reg.hSize[h] ?? 0);
    for (let p = first; p < last; p++) {
      for (let i = 0; i < renderers.length; i++) cells[i] = renderers[i]?.(p, h) ?? '';
      rows++;
      const wait = csv.writeRow(cells);
      if (wait) await wait;
    }
  }
  await csv.close();
  return {
    file: path,
    encoding,
    rows,
    dateFormat,
    amountStyle,
    codeStyles: Object.fromEntries(
      layout.fields.filter((f) => f.words).map((f) => [f.name, codes.style(f.name)]),
    ),
  };
}

/** persons.csv (UTF-8): id, name, birth_date, gender, household_no, relation, town. */
export async function writePersonsCsv(reg: Register, path: string): Promise<void> {
  const csv = new CsvWriter(path, 'utf8', { quoteAll: false, eol: '\n' });
  await csv.writeRow(['id', 'name', 'birth_date', 'gender', 'household_no', 'relation', 'town']);
  for (let p = 0; p < reg.n; p++) {
    const h = reg.pHh[p] ?? 0;
    const wait = csv.writeRow([
      reg.idOf(p),
      reg.pName[p] ?? '',
      isoOf(reg.pBirth[p] ?? 0),
      reg.pMale[p] === 1 ? 'M' : 'F',
      reg.householdNo(h),
      RELATIONS[reg.pRel[p] ?? 0] ?? 'OTHER',
      reg.townName(h),
    ]);
    if (wait) await wait;
  }
  await csv.close();
}

/** households.csv (UTF-8): the household facts the rules use, with the planted income band. */
export async function writeHouseholdsCsv(reg: Register, path: string): Promise<void> {
  const csv = new CsvWriter(path, 'utf8', { quoteAll: false, eol: '\n' });
  await csv.writeRow([
    'household_no',
    'town',
    'village',
    'area_type',
    'members',
    'monthly_income',
    'status',
    'refused_on',
    'income_band',
  ]);
  for (let h = 0; h < reg.nh; h++) {
    const inc = reg.income(h);
    const refused = reg.hRefusedOn[h] ?? NO_DAY;
    const wait = csv.writeRow([
      reg.householdNo(h),
      reg.townName(h),
      reg.villageName(h),
      reg.isUrban(h) ? 'URBAN' : 'RURAL',
      String(reg.hSize[h] ?? 0),
      inc === null ? '' : String(inc),
      reg.status(h),
      refused === NO_DAY ? '' : isoOf(refused),
      INCOME_BANDS[reg.hBand[h] ?? 0] ?? '',
    ]);
    if (wait) await wait;
  }
  await csv.close();
}

/** register.json: counts by town, status, area, income band; namesakes; the file's style. */
export async function writeRegisterSummary(
  reg: Register,
  info: RegisterFileInfo,
  path: string,
  extra: object,
): Promise<object> {
  const byTown: Record<string, { households: number; persons: number }> = {};
  for (const t of TOWNS) byTown[t.name] = { households: 0, persons: 0 };
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const byArea: Record<string, number> = { URBAN: 0, RURAL: 0 };
  const bands: Record<string, number> = {};
  const sizes: Record<string, number> = {};
  let refused = 0;
  for (let h = 0; h < reg.nh; h++) {
    const t = byTown[reg.townName(h)];
    if (t) {
      t.households++;
      t.persons += reg.hSize[h] ?? 0;
    }
    byStatus[reg.status(h)] = (byStatus[reg.status(h)] ?? 0) + 1;
    const area = reg.isUrban(h) ? 'URBAN' : 'RURAL';
    byArea[area] = (byArea[area] ?? 0) + 1;
    const band = INCOME_BANDS[reg.hBand[h] ?? 0] ?? '';
    bands[band] = (bands[band] ?? 0) + 1;
    const size = String(reg.hSize[h] ?? 0);
    sizes[size] = (sizes[size] ?? 0) + 1;
    if ((reg.hRefusedOn[h] ?? NO_DAY) !== NO_DAY) refused++;
  }
  let minority = 0;
  for (let p = 0; p < reg.n; p++) if (isMinorityName(reg.pName[p] ?? '')) minority++;
  const groups = reg.namesakeGroups();
  const summary = {
    ...extra,
    asOf: isoOf(reg.asOfDay),
    file: info.file.split('/').pop(),
    encoding: info.encoding,
    style: { dateFormat: info.dateFormat, amountStyle: info.amountStyle, codeStyles: info.codeStyles },
    persons: reg.n,
    households: reg.nh,
    rows: info.rows,
    byTown,
    byStatus,
    byArea,
    householdSizes: sizes,
    incomeBands: sortKeys(bands),
    refusedBefore: refused,
    minorityNames: minority,
    namesakes: {
      plantedPairs: reg.namesakePairs.length / 2,
      groups: groups.length,
      persons: groups.reduce((a, g) => a + g.length, 0),
      examples: groups.slice(0, 20).map((g) => g.map((p) => reg.idOf(p))),
    },
  };
  await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
