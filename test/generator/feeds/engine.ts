// The common row engine of the five feeds: picks who each row is about, writes the ID and name
// the way departments do (noise), renders every mapped field in the file's style, plants rejects
// and duplicates, and records the expected matching outcome (domain §3) per row.

import { compareNames, nameEditDistance, namePinyin, namesClearlyDiffer } from '@ew/core';
import { DATE_FORMATS, dayOfIso, formatDate, isoOf, type DateFormat } from '../calendar.ts';
import { plainAmount, thousands } from '../format.ts';
import {
  badCheckTypo,
  drawRegion,
  drawSeq,
  makeId,
  regionCode,
  toExcelNumber,
  toFullwidth,
  toId15,
  toScientific,
  validTypoNobody,
} from '../ids.ts';
import { CodeStyle, type FeedLayout, type FieldLayout } from '../mappings.ts';
import { drawGiven, drawSurname, exoticName, isMinorityName } from '../names.ts';
import {
  BAD_AMOUNTS,
  BAD_DATES,
  drawIdKind,
  homophoneName,
  idPadded,
  idWithHyphens,
  idWithSpaces,
  oneCharTypo,
  REJECT_REASONS,
  separatorVariant,
  spacedName,
  traditionalName,
  UNKNOWN_WORDS,
  UNUSABLE_ID_KINDS,
  type IdKind,
  type NoiseRates,
  type RejectReason,
} from '../noise.ts';
import { forkRng } from '../prng.ts';
import { birthDayForAge, type Register } from '../register.ts';
import type { Standards } from '../standards.ts';
import { TOWN_WEIGHTS, TOWNS } from '../towns.ts';
import { FeedStats, type Canon, type Expected, type TruthLine } from '../truth.ts';
import {
  CsvWriter,
  JsonLinesWriter,
  XlsxWriter,
  type CsvStyle,
  type TextEncodingName,
  type XlsxCell,
} from '../writers.ts';
import type { FeedContext, FeedDef, Subject } from './types.ts';

export interface FeedRunOptions {
  def: FeedDef;
  layout: FeedLayout;
  reg: Register;
  seed: number;
  rows: number;
  periodDay: number;
  standards: Standards;
  rates: NoiseRates;
  /** Share of rows about people outside the register. */
  outsideRate: number;
  /** Share of no-ID rows with a birth date that are about namesakes (→ review). */
  namesakeShare: number;
  format: 'csv' | 'xlsx';
  encoding: TextEncodingName;
  path: string;
  truthPath: string;
}

export interface FeedFileInfo {
  dateFormat: DateFormat;
  amountStyle: 'plain' | 'fixed2';
  codeStyles: Record<string, number>;
  csv?: CsvStyle;
}

type Cell = string | number | null;

interface Written {
  cells: Cell[];
  truth: TruthLine;
}

export async function runFeed(o: FeedRunOptions): Promise<{ stats: FeedStats; file: FeedFileInfo }> {
  const { def, layout, reg, rates } = o;
  const styleRng = forkRng(o.seed, `style:${def.feed}`);
  const rng = forkRng(o.seed, `feed:${def.feed}`);
  const codes = new CodeStyle(layout, styleRng);
  const dateFormat = styleRng.weightedPick<DateFormat>([
    ['iso', 4],
    ['slash', 2],
    ['compact', 2],
    ['chinese', 1],
    ['dot', 1],
  ]);
  const amountStyle = styleRng.chance(0.5) ? 'fixed2' : 'plain';
  const csvStyle: CsvStyle = { quoteAll: styleRng.chance(0.25), eol: styleRng.chance(0.5) ? '\r\n' : '\n' };
  const file: FeedFileInfo = {
    dateFormat,
    amountStyle,
    codeStyles: Object.fromEntries(
      layout.fields.filter((f) => f.words).map((f) => [f.name, codes.style(f.name)]),
    ),
    ...(o.format === 'csv' ? { csv: csvStyle } : {}),
  };

  const used = new Uint8Array(reg.n);
  const ages = reg.agesAt(o.periodDay);
  const low = new Int8Array(reg.nh).fill(-1);
  const pools = new Map<string, { members: Int32Array; misses: number }>();
  const ctx: FeedContext = {
    reg,
    layout,
    periodDay: o.periodDay,
    standards: o.standards,
    rng,
    pick(key, pred) {
      let pool = pools.get(key);
      if (pool === undefined) {
        const list: number[] = [];
        for (let p = 0; p < reg.n; p++) if (pred(p)) list.push(p);
        pool = { members: Int32Array.from(list), misses: 0 };
        pools.set(key, pool);
      }
      const m = pool.members;
      if (m.length === 0) return -1;
      // Prefer persons not used yet; once a pool is used up, stop spending tries on it.
      if (pool.misses < 32) {
        for (let t = 0; t < 16; t++) {
          const p = m[rng.int(m.length)] ?? 0;
          if (used[p] === 0) {
            pool.misses = 0;
            return p;
          }
        }
        pool.misses++;
      }
      return m[rng.int(m.length)] ?? 0;
    },
    ageOf: (p) => ages[p] ?? 0,
    lowIncome(hh) {
      let v = low[hh] ?? -1;
      if (v < 0) {
        const pc = reg.perCapita(hh);
        v = pc !== null && pc <= o.standards.marginalAt(o.periodDay, reg.isUrban(hh)) ? 1 : 0;
        low[hh] = v;
      }
      return v === 1;
    },
  };

  const hasBirth = layout.field('birth_date') !== undefined;
  const namesakePool = reg
    .namesakeGroups()
    .flat()
    .filter((p) => def.eligible(ctx, p));
  const idIndex = layout.fields.findIndex((f) => f.name === 'id_number');
  const requiredFields = layout.fields.filter((f) => f.required && f.name !== 'id_number');
  const codeFields = layout.fields.filter((f) => f.parser === 'code');
  const dateFields = layout.fields.filter((f) => f.parser === 'date');
  const amountFields = layout.fields.filter((f) => f.parser === 'amount');
  const rejectTotal = Object.values(rates.reject).reduce((a, b) => a + b, 0);

  const csv = o.format === 'csv' ? new CsvWriter(o.path, o.encoding, csvStyle) : undefined;
  const xlsx =
    o.format === 'xlsx'
      ? new XlsxWriter(
          o.path,
          'Sheet1',
          new Date(`${isoOf(o.periodDay)}T08:00:00Z`),
          idIndex >= 0 ? [idIndex] : [],
        )
      : undefined;
  const truthOut = new JsonLinesWriter(o.truthPath);
  const stats = new FeedStats();

  // Synchronous unless a stream is full (a promise per row would dominate the run time).
  const writeCells = (cells: readonly Cell[]): Promise<void> | undefined => {
    if (csv) return csv.writeRow(cells.map((c) => (c === null ? '' : typeof c === 'number' ? String(c) : c)));
    return xlsx?.writeRow(cells as XlsxCell[]);
  };
  const emit = (w: Written): Promise<unknown> | undefined => {
    const a = writeCells(w.cells);
    stats.add(w.truth);
    const b = truthOut.write(w.truth);
    return a === undefined ? b : b === undefined ? a : Promise.all([a, b]);
  };

  await writeCells([...layout.headers]);

  // ---- subjects ---------------------------------------------------------------------------------

  // compareNames(a, b).kind !== 'DIFFERENT' (exact, homophone or one character apart), with cheap
  // exits first: it runs on every person born the same day as a no-ID row's subject.
  const charPinyin = new Map<string, string>();
  const pinyinOf = (c: string): string => {
    let v = charPinyin.get(c);
    if (v === undefined) {
      v = namePinyin(c);
      charPinyin.set(c, v);
    }
    return v;
  };
  const similar = (x: string, y: string): boolean => {
    const a = x.includes('·') ? x.replace('·', '') : x;
    const b = y.includes('·') ? y.replace('·', '') : y;
    if (Math.abs(a.length - b.length) > 1) return false;
    if (a.length !== b.length) return nameEditDistance(a, b) <= 1;
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    if (diff <= 1) return true;
    for (let i = 0; i < a.length; i++) {
      const ca = a[i] ?? '';
      const cb = b[i] ?? '';
      if (ca !== cb && pinyinOf(ca) !== pinyinOf(cb)) return false;
    }
    return compareNames(a, b).kind !== 'DIFFERENT';
  };

  /** 'unique': nobody else born that day has a similar name; 'namesake': same name+gender exists. */
  const classify = (p: number): { kind: 'unique' | 'namesake' | 'ambiguous'; namesakes: number[] } => {
    const name = reg.pName[p] ?? '';
    const male = reg.pMale[p];
    const namesakes: number[] = [];
    let ambiguous = false;
    for (const q of reg.cohortOf(reg.pBirth[p] ?? 0)) {
      if (q === p) continue;
      const other = reg.pName[q] ?? '';
      if (other === name && reg.pMale[q] === male) namesakes.push(q);
      else if (!ambiguous && similar(name, other)) {
        ambiguous = true;
      }
    }
    return { kind: namesakes.length > 0 ? 'namesake' : ambiguous ? 'ambiguous' : 'unique', namesakes };
  };

  const registerSubject = (p: number): Subject => {
    const hh = reg.pHh[p] ?? 0;
    return {
      inRegister: true,
      p,
      id: reg.idOf(p),
      name: reg.pName[p] ?? '',
      birth: reg.pBirth[p] ?? 0,
      male: reg.pMale[p] === 1,
      hh,
      town: reg.hTown[hh] ?? 0,
      urban: reg.isUrban(hh),
    };
  };

  const outsideSubject = (kind: IdKind): { s: Subject; kind: IdKind } => {
    const age = rng.range(def.outsideAge[0], def.outsideAge[1]);
    const male = rng.chance(0.5);
    const birth = birthDayForAge(rng, age, o.periodDay);
    const region = regionCode(drawRegion(rng));
    let id = makeId(region, birth, drawSeq(rng, male, true));
    if (kind === 'lowercaseX') {
      for (let t = 0; t < 40 && !id.endsWith('X'); t++) id = makeId(region, birth, drawSeq(rng, male, true));
      if (!id.endsWith('X')) kind = 'clean';
    }
    if (kind === 'id15' && id.slice(6, 8) !== '19') kind = 'clean';
    const name = UNUSABLE_ID_KINDS.has(kind)
      ? exoticName(rng)
      : drawSurname(rng) + drawGiven(rng, male ? 'M' : 'F', Number(id.slice(6, 10)));
    const town = rng.weighted(TOWN_WEIGHTS);
    const urban = rng.chance(TOWNS[town]?.urban ?? 0.5);
    return { s: { inRegister: false, p: -1, id, name, birth, male, hh: -1, town, urban }, kind };
  };

  const otherPersonFor = (p: number): number => {
    const name = reg.pName[p] ?? '';
    const hh = reg.pHh[p] ?? 0;
    const first = reg.hFirst[hh] ?? 0;
    const size = reg.hSize[hh] ?? 0;
    if (rng.chance(0.5)) {
      for (let q = first; q < first + size; q++)
        if (q !== p && namesClearlyDiffer(name, reg.pName[q] ?? '')) return q;
    }
    for (let t = 0; t < 30; t++) {
      const q = rng.int(reg.n);
      if (q !== p && namesClearlyDiffer(name, reg.pName[q] ?? '')) return q;
    }
    return -1;
  };

  // ---- rendering --------------------------------------------------------------------------------

  const otherFormats = DATE_FORMATS.filter((f) => f !== dateFormat && f !== 'serial' && f !== 'dot');
  const renderDate = (iso: string, noise: string[]): string => {
    let fmt = dateFormat;
    if (rng.chance(rates.date.serial)) {
      fmt = 'serial';
      noise.push('date:serial');
    } else if (rng.chance(rates.date.otherFormat)) {
      fmt = rng.pick(otherFormats);
      noise.push(`date:${fmt}`);
    }
    return formatDate(dayOfIso(iso), fmt);
  };

  const renderAmount = (f: FieldLayout, values: Record<string, Canon>, noise: string[]): Cell => {
    const v = values[f.name];
    if (typeof v !== 'number') return null;
    if (!f.required && rng.chance(rates.amount.empty)) {
      values[f.name] = null;
      noise.push('amount:empty');
      return null;
    }
    if (v >= 1000 && rng.chance(rates.amount.thousands)) {
      noise.push('amount:thousands');
      return thousands(v);
    }
    if (rng.chance(rates.amount.yuan)) {
      noise.push('amount:yuan');
      return `${plainAmount(v)}元`;
    }
    if (xlsx) return v;
    return amountStyle === 'fixed2' ? v.toFixed(2) : plainAmount(v);
  };

  const renderField = (f: FieldLayout, values: Record<string, Canon>, noise: string[]): Cell => {
    const v = values[f.name] ?? null;
    if (v === null) return null;
    switch (f.parser) {
      case 'code':
        return codes.word(f, v as string | boolean);
      case 'date':
        return renderDate(String(v), noise);
      case 'amount':
        return renderAmount(f, values, noise);
      case 'integer':
        if (typeof v === 'number' && v > 0 && rng.chance(rates.amount.yuan)) {
          noise.push('integer:unit');
          return `${v}套`;
        }
        return xlsx ? Number(v) : String(v);
      default:
        return String(v);
    }
  };

  const renderId = (kind: IdKind, s: Subject, other: number, noise: string[]): Cell => {
    const id = s.id;
    if (kind !== 'clean') noise.push(`id:${kind === 'scientific' && xlsx ? 'excel_numeric' : kind}`);
    switch (kind) {
      case 'clean':
        return id;
      case 'lowercaseX':
        return `${id.slice(0, 17)}x`;
      case 'fullwidth':
        return toFullwidth(id);
      case 'spaces':
        return idWithSpaces(rng, id, o.encoding);
      case 'hyphens':
        return idWithHyphens(id);
      case 'apostrophe':
        return `'${id}`;
      case 'padded':
        return idPadded(rng, id);
      case 'id15':
        return toId15(id);
      case 'scientific':
        return xlsx ? toExcelNumber(id) : toScientific(id);
      case 'badCheck':
        return badCheckTypo(rng, id).id;
      case 'missing':
        return rng.chance(0.8) ? null : '-';
      case 'conflict':
        return reg.idOf(other);
      case 'nobody':
        return validTypoNobody(rng, id);
    }
  };

  const renderName = (s: Subject, allowTypos: boolean, noise: string[]): string => {
    let name = s.name;
    if (isMinorityName(name) && rng.chance(rates.name.separator)) {
      name = separatorVariant(rng, name, o.encoding);
      noise.push('name:separator');
    }
    if (allowTypos) {
      const r = rng.next();
      if (r < rates.name.homophone) {
        const t = homophoneName(rng, name);
        if (t !== undefined) {
          name = t;
          noise.push('name:homophone');
        }
      } else if (r < rates.name.homophone + rates.name.oneChar) {
        const t = oneCharTypo(rng, name);
        if (t !== undefined) {
          name = t;
          noise.push('name:one_char');
        }
      }
    }
    if (rng.chance(rates.name.traditional)) {
      const t = traditionalName(name);
      if (t !== undefined) {
        name = t;
        noise.push('name:traditional');
      }
    }
    if (!name.includes('·') && rng.chance(rates.name.spaces)) {
      name = spacedName(rng, name);
      noise.push('name:spaces');
    }
    return name;
  };

  const applyReject = (cells: Cell[], values: Record<string, Canon>): RejectReason | null => {
    const options: [RejectReason, number][] = [];
    for (const r of REJECT_REASONS) {
      const applicable =
        r === 'REQUIRED_MISSING'
          ? requiredFields.length > 0
          : r === 'UNKNOWN_CODE'
            ? codeFields.length > 0
            : r === 'BAD_DATE'
              ? dateFields.length > 0
              : r === 'BAD_AMOUNT' || r === 'NEGATIVE_AMOUNT'
                ? amountFields.length > 0
                : csv !== undefined;
      if (applicable && rates.reject[r] > 0) options.push([r, rates.reject[r]]);
    }
    if (options.length === 0) return null;
    const reason = rng.weightedPick(options);
    const at = (f: FieldLayout): number => layout.fields.indexOf(f);
    switch (reason) {
      case 'REQUIRED_MISSING':
        cells[at(rng.pick(requiredFields))] = null;
        break;
      case 'UNKNOWN_CODE': {
        const f = rng.pick(codeFields);
        const words = UNKNOWN_WORDS.filter((w) => !f.known?.has(w));
        cells[at(f)] = rng.pick(words);
        break;
      }
      case 'BAD_DATE':
        cells[at(rng.pick(dateFields))] = rng.pick(BAD_DATES);
        break;
      case 'BAD_AMOUNT':
        cells[at(rng.pick(amountFields))] = rng.pick(BAD_AMOUNTS);
        break;
      case 'NEGATIVE_AMOUNT': {
        const f = rng.pick(amountFields);
        const v = values[f.name];
        const amount = typeof v === 'number' && v > 0 ? v : rng.range(100, 5000);
        cells[at(f)] = `-${amountStyle === 'fixed2' ? amount.toFixed(2) : plainAmount(amount)}`;
        break;
      }
      case 'COLUMN_COUNT':
        if (rng.chance(0.5)) cells.pop();
        else cells.push(rng.chance(0.5) ? '' : '备注');
        break;
    }
    return reason;
  };

  // ---- rows -------------------------------------------------------------------------------------

  const ring: Written[] = [];
  for (let i = 0; i < o.rows; i++) {
    const row = i + 2;
    if (ring.length > 0 && rng.chance(rates.duplicate)) {
      const orig = rng.pick(ring);
      const wait = emit({
        cells: orig.cells,
        truth: { ...orig.truth, row, noise: [...orig.truth.noise, 'duplicate'], duplicateOf: orig.truth.row },
      });
      if (wait) await wait;
      continue;
    }

    let kind = drawIdKind(rng, rates.id);
    const outside = reg.n === 0 || rng.chance(o.outsideRate);
    if (outside && (kind === 'conflict' || kind === 'nobody')) kind = 'clean';
    const birthMissing = hasBirth && rng.chance(rates.birthMissing);

    let subject: Subject;
    let namesakes: number[] = [];
    let other = -1;
    if (outside) {
      const r = outsideSubject(kind);
      subject = r.s;
      kind = r.kind;
    } else {
      const unusable = UNUSABLE_ID_KINDS.has(kind);
      const birthKnown = kind === 'badCheck' || (hasBirth && !birthMissing);
      const wantNamesake = unusable && birthKnown && namesakePool.length > 0 && rng.chance(o.namesakeShare);
      let p = -1;
      for (let t = 0; t < 60 && p < 0; t++) {
        const c = wantNamesake ? rng.pick(namesakePool) : def.choose(ctx);
        if (c < 0) continue;
        if (kind === 'lowercaseX' && !reg.idOf(c).endsWith('X')) continue;
        if (kind === 'id15' && reg.idOf(c).slice(6, 8) !== '19') continue;
        if (unusable && birthKnown) {
          const cls = classify(c);
          if (cls.kind !== (wantNamesake ? 'namesake' : 'unique')) continue;
          namesakes = cls.namesakes;
        }
        p = c;
      }
      if (p < 0) {
        // No subject fits this presentation: write a clean row instead.
        kind = 'clean';
        namesakes = [];
        p = def.choose(ctx);
        if (p < 0) p = rng.int(reg.n);
      }
      if (kind === 'conflict') {
        other = otherPersonFor(p);
        if (other < 0) kind = 'clean';
      }
      subject = registerSubject(p);
      used[p] = 1;
    }

    const unusable = UNUSABLE_ID_KINDS.has(kind);
    const birthKnown = kind === 'badCheck' || (hasBirth && !birthMissing);
    let expected: Expected;
    if (!subject.inRegister) expected = unusable ? 'unmatched' : 'outside';
    else if (kind === 'conflict') expected = 'conflict';
    else if (kind === 'nobody') expected = 'outside';
    else if (!unusable) expected = 'id';
    else if (birthKnown) expected = namesakes.length > 0 ? 'review' : 'fallback';
    else expected = 'review';

    // Canonical values: the subject's own fields, then the feed's.
    const values: Record<string, Canon> = {};
    if (layout.field('gender')) values['gender'] = subject.male ? 'M' : 'F';
    if (hasBirth) values['birth_date'] = birthMissing ? null : isoOf(subject.birth);
    if (layout.field('town')) values['town'] = TOWNS[subject.town]?.name ?? null;
    const fv = def.values(ctx, subject);
    Object.assign(values, fv.values);
    for (const f of requiredFields) {
      if (f.name !== 'name' && values[f.name] === undefined) {
        throw new Error(`${def.feed}.yaml requires ${f.name}, which the generator does not supply`);
      }
    }

    const noise: string[] = [];
    if (birthMissing) noise.push('birth:empty');
    const allowTypos = expected === 'id' || expected === 'outside';
    const cells: Cell[] = [];
    for (const f of layout.fields) {
      if (f.name === 'id_number') cells.push(renderId(kind, subject, other, noise));
      else if (f.name === 'name') cells.push(renderName(subject, allowTypos, noise));
      else cells.push(renderField(f, values, noise));
    }

    let rejectReason: RejectReason | null = null;
    if (rng.chance(rejectTotal)) {
      rejectReason = applyReject(cells, values);
      if (rejectReason !== null) expected = 'reject';
    }

    const truth: TruthLine = {
      row,
      expected,
      personId: subject.id,
      inRegister: subject.inRegister,
      rejectReason,
      noise,
      duplicateOf: null,
      values: Object.fromEntries(
        layout.fields
          .filter((f) => f.name !== 'id_number' && f.name !== 'name')
          .map((f) => [f.name, values[f.name] ?? null]),
      ),
      plants: subject.inRegister ? fv.plants : [],
      ...(kind === 'conflict' ? { conflictWith: reg.idOf(other) } : {}),
      ...(namesakes.length > 0 && expected === 'review'
        ? { candidates: [subject.p, ...namesakes].map((q) => reg.idOf(q)).sort() }
        : {}),
    };
    const w = { cells, truth };
    const wait = emit(w);
    if (wait) await wait;
    ring.push(w);
    if (ring.length > 32) ring.shift();
  }

  if (csv) await csv.close();
  if (xlsx) await xlsx.close();
  await truthOut.close();
  return { stats, file };
}
