// Independent check of a generated directory against its ground truth, using @ew/core's parsers:
// every row's ID and name must lead to the expected outcome, every non-rejected cell must parse
// back to the truth's canonical value, and every rejected row must carry its reject reason.
// Used by the tests; also `npx tsx test/generator/verify.ts DIR`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import {
  compareNames,
  namesClearlyDiffer,
  normaliseName,
  parseAmount,
  parseDate,
  parseIdNumber,
  parseInteger,
} from '@ew/core';
import { FEED_NAMES, loadLayouts, type FeedLayout, type FieldLayout } from './mappings.ts';
import type { TruthLine } from './truth.ts';

/** Minimal RFC 4180 reader (quotes, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function decode(buf: Buffer, encoding: string): string {
  if (encoding === 'gbk' || encoding === 'gb18030') return iconv.decode(buf, encoding);
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

type Cell = string | number | null;

export async function readTable(path: string, encoding: string): Promise<Cell[][]> {
  if (path.endsWith('.xlsx')) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.worksheets[0];
    if (ws === undefined) return [];
    const out: Cell[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: Cell[] = [];
      const values = row.values as unknown[];
      for (let c = 1; c < values.length; c++) {
        const v = values[c];
        cells.push(v === undefined || v === null ? null : typeof v === 'number' ? v : String(v));
      }
      out[n - 1] = cells;
    });
    return out;
  }
  return parseCsv(decode(await readFile(path), encoding));
}

interface Person {
  name: string;
  birth: string;
  gender: string;
}

export interface VerifyResult {
  rows: number;
  problems: string[];
}

const str = (c: Cell | undefined): string => (c === null || c === undefined ? '' : String(c));

function reverseWords(f: FieldLayout): Map<string, string> {
  const m = new Map<string, string>();
  for (const [canon, words] of f.words ?? []) for (const w of words) m.set(w, canon);
  return m;
}

/** Parses one non-ID cell; returns the canonical value or an error code. */
function parseCell(
  f: FieldLayout,
  cell: Cell,
  rev: Map<string, string>,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const empty = cell === null || str(cell).trim() === '';
  if (empty) return f.required ? { ok: false, reason: 'REQUIRED_MISSING' } : { ok: true, value: null };
  switch (f.parser) {
    case 'code': {
      const canon = rev.get(str(cell).normalize('NFKC').trim());
      return canon === undefined ? { ok: false, reason: 'UNKNOWN_CODE' } : { ok: true, value: canon };
    }
    case 'date': {
      const r = parseDate(typeof cell === 'number' ? cell : str(cell));
      return r.ok ? { ok: true, value: r.date } : { ok: false, reason: 'BAD_DATE' };
    }
    case 'amount': {
      const r = parseAmount(typeof cell === 'number' ? cell : str(cell));
      return r.ok
        ? { ok: true, value: r.value }
        : { ok: false, reason: r.reason === 'NEGATIVE' ? 'NEGATIVE_AMOUNT' : 'BAD_AMOUNT' };
    }
    case 'integer': {
      const r = parseInteger(typeof cell === 'number' ? cell : str(cell));
      return r.ok ? { ok: true, value: r.value } : { ok: false, reason: 'BAD_INTEGER' };
    }
    default:
      return { ok: true, value: str(cell) };
  }
}

function sameCanon(a: unknown, b: unknown): boolean {
  if (typeof b === 'boolean') return a === String(b);
  return a === b;
}

export async function verifyFeed(
  layout: FeedLayout,
  path: string,
  encoding: string,
  truth: TruthLine[],
  persons: Map<string, Person>,
  byNameBirth: Map<string, string[]>,
  names: Set<string>,
): Promise<string[]> {
  const problems: string[] = [];
  const table = await readTable(path, encoding);
  const header = (table[0] ?? []).map(str);
  if (header.join(',') !== layout.headers.join(','))
    problems.push(`${layout.feed}: header ${header.join(',')}`);
  if (table.length - 1 !== truth.length)
    problems.push(`${layout.feed}: ${table.length - 1} data rows, ${truth.length} truth lines`);
  const revs = new Map(layout.fields.map((f) => [f.name, reverseWords(f)]));
  const idx = (name: string): number => layout.fields.findIndex((f) => f.name === name);
  const iId = idx('id_number');
  const iName = idx('name');
  const iBirth = idx('birth_date');
  const iGender = idx('gender');
  const bad = (t: TruthLine, msg: string): void => {
    if (problems.length < 50) problems.push(`${layout.feed} row ${t.row} (${t.expected}): ${msg}`);
  };

  for (const t of truth) {
    const cells = table[t.row - 1];
    if (cells === undefined) {
      bad(t, 'missing row');
      continue;
    }
    if (t.duplicateOf !== null) {
      const orig = table[t.duplicateOf - 1];
      if (JSON.stringify(orig) !== JSON.stringify(cells)) bad(t, 'duplicate differs from its original');
    }
    // Column count and per-field parsing.
    const failures = new Set<string>();
    if (cells.length !== layout.fields.length) failures.add('COLUMN_COUNT');
    else {
      layout.fields.forEach((f, i) => {
        if (f.name === 'id_number') return;
        if (f.name === 'name') {
          if (str(cells[i]).trim() === '') failures.add('REQUIRED_MISSING');
          return;
        }
        const r = parseCell(f, cells[i] ?? null, revs.get(f.name) ?? new Map());
        if (!r.ok) failures.add(r.reason);
        else if (t.expected !== 'reject' && !sameCanon(r.value, t.values[f.name] ?? null)) {
          bad(
            t,
            `${f.name}: cell ${JSON.stringify(cells[i])} parses to ${JSON.stringify(r.value)}, truth ${JSON.stringify(t.values[f.name])}`,
          );
        }
      });
    }
    if (t.expected === 'reject') {
      if (t.rejectReason === null || !failures.has(t.rejectReason))
        bad(t, `reject ${t.rejectReason} not found (found ${[...failures].join(',')})`);
      continue;
    }
    if (failures.size > 0) bad(t, `unexpected failures ${[...failures].join(',')}`);

    // Identity.
    const nameCell = str(cells[iName]);
    const birthCol = iBirth >= 0 ? parseDate(str(cells[iBirth])) : undefined;
    const birthFromCol = birthCol?.ok ? (birthCol.date ?? undefined) : undefined;
    const rawId = cells[iId];
    const parsed =
      typeof rawId === 'number'
        ? parseIdNumber(rawId as unknown as string)
        : parseIdNumber(rawId === null ? '' : rawId, birthFromCol ? { birthDate: birthFromCol } : undefined);
    const person = t.personId === null ? undefined : persons.get(t.personId);
    if (t.inRegister !== (person !== undefined))
      bad(t, `inRegister ${t.inRegister} but person ${person ? 'found' : 'not found'}`);
    const norm = normaliseName(nameCell);
    const birth = birthFromCol ?? (!parsed.ok ? parsed.birthDate : undefined);
    const gender = iGender >= 0 ? str(cells[iGender]) : undefined;
    switch (t.expected) {
      case 'id':
        if (!parsed.ok || parsed.id !== t.personId)
          bad(t, `ID ${JSON.stringify(rawId)} does not parse to the person`);
        else if (person === undefined || compareNames(nameCell, person.name).kind === 'DIFFERENT')
          bad(t, `name ${nameCell} does not agree`);
        break;
      case 'conflict': {
        const other = t.conflictWith === undefined ? undefined : persons.get(t.conflictWith);
        if (!parsed.ok || parsed.id !== t.conflictWith || other === undefined)
          bad(t, 'conflict ID is not a register person');
        else if (!namesClearlyDiffer(nameCell, other.name))
          bad(t, `${nameCell} vs ${other.name} not clearly different`);
        break;
      }
      case 'outside':
        if (!parsed.ok || persons.has(parsed.id)) bad(t, 'outside row has no valid ID outside the register');
        break;
      case 'fallback':
      case 'review':
      case 'unmatched': {
        if (parsed.ok) {
          bad(t, `ID ${JSON.stringify(rawId)} is usable`);
          break;
        }
        const hits = birth === undefined ? undefined : (byNameBirth.get(`${norm}|${birth}`) ?? []);
        if (t.expected === 'fallback') {
          if (person === undefined || birth !== person.birth || norm !== normaliseName(person.name))
            bad(t, 'fallback key does not lead to the person');
          else if ((hits ?? []).length !== 1) bad(t, `fallback not unique (${(hits ?? []).length})`);
        } else if (t.expected === 'review') {
          if (hits !== undefined) {
            const same = hits.filter(
              (id) =>
                gender === undefined ||
                gender === '' ||
                persons.get(id)?.gender === (gender === '男' ? 'M' : 'F'),
            );
            if (same.length < 2) bad(t, `review with birth date but ${same.length} candidates`);
          } else if (!names.has(norm)) bad(t, `name-only review but ${norm} is not in the register`);
        } else if ((hits ?? []).length > 0 || (hits === undefined && names.has(norm)))
          bad(t, 'unmatched row has candidates');
        break;
      }
    }
  }
  return problems;
}

export async function verifyDir(dir: string): Promise<VerifyResult> {
  const summary = JSON.parse(await readFile(join(dir, 'truth', 'summary.json'), 'utf8')) as {
    feeds: Record<string, { file: string; encoding: string }>;
  };
  const layouts = await loadLayouts();
  const persons = new Map<string, Person>();
  const byNameBirth = new Map<string, string[]>();
  const names = new Set<string>();
  const personRows = parseCsv(await readFile(join(dir, 'truth', 'persons.csv'), 'utf8')).slice(1);
  for (const [id = '', name = '', birth = '', gender = ''] of personRows) {
    persons.set(id, { name, birth, gender });
    const key = `${normaliseName(name)}|${birth}`;
    byNameBirth.set(key, [...(byNameBirth.get(key) ?? []), id]);
    names.add(normaliseName(name));
  }
  const problems: string[] = [];
  let rows = 0;
  for (const feed of FEED_NAMES) {
    const info = summary.feeds[feed];
    const layout = layouts.get(feed);
    if (info === undefined || layout === undefined) continue;
    const truth = (await readFile(join(dir, 'truth', `${feed}.jsonl`), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TruthLine);
    rows += truth.length;
    problems.push(
      ...(await verifyFeed(layout, join(dir, info.file), info.encoding, truth, persons, byNameBirth, names)),
    );
  }
  return { rows, problems };
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write('usage: npx tsx test/generator/verify.ts DIR\n');
    process.exit(2);
  }
  const r = await verifyDir(dir);
  process.stdout.write(`${r.rows} rows checked, ${r.problems.length} problems\n${r.problems.join('\n')}\n`);
  process.exitCode = r.problems.length > 0 ? 1 : 0;
}
