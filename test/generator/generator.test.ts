import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namePinyin, normaliseName, parseIdNumber } from '@ew/core';
import { generate, type GenerateOptions } from './generate.ts';
import { FEED_NAMES, loadLayouts, type FeedLayout, type LayoutName } from './mappings.ts';
import { HOMOPHONES, TRADITIONAL } from './names.ts';
import type { RegisterDiff } from './snapshot.ts';
import { EXPECTED, type TruthLine } from './truth.ts';
import { decode, parseCsv, verifyDir } from './verify.ts';

const run = promisify(execFile);
const dirs: string[] = [];
async function tmp(label: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `gen-${label}-`));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function readTruth(dir: string, feed: string): Promise<TruthLine[]> {
  const text = await readFile(join(dir, 'truth', `${feed}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TruthLine);
}

async function readCsvRows(path: string, encoding: string): Promise<string[][]> {
  return parseCsv(decode(await readFile(path), encoding));
}

const BASE: Omit<GenerateOptions, 'out'> = {
  persons: 2000,
  seed: 4242,
  rows: { education: 400, hr: 900, housing: 500, medical: 900, rural: 300 },
  noise: 3,
};

let layouts: Map<LayoutName, FeedLayout>;
let dir: string;

beforeAll(async () => {
  layouts = await loadLayouts();
  dir = await tmp('main');
  await generate({ ...BASE, out: dir });
});

describe('determinism', () => {
  it('gives the same bytes for the same seed and options (XLSX included)', async () => {
    const a = await tmp('det-a');
    const b = await tmp('det-b');
    const opts = { persons: 300, seed: 9, rows: 150, noise: 2 };
    await generate({ ...opts, out: a });
    await generate({ ...opts, out: b });
    const files = async (d: string): Promise<string[]> =>
      (await readdir(d, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(d.length))
        .sort();
    const names = await files(a);
    expect(names).toEqual(await files(b));
    expect(names).toContain('/housing.xlsx');
    for (const f of names)
      expect((await readFile(join(a, f))).equals(await readFile(join(b, f))), f).toBe(true);
  });

  it('gives another register for another seed, and the register does not depend on the feeds', async () => {
    const c = await tmp('det-c');
    const d = await tmp('det-d');
    await generate({ persons: 300, seed: 9, rows: 10, out: c, feeds: ['hr'] });
    await generate({ persons: 300, seed: 10, rows: 10, out: d, feeds: [] });
    const e = await tmp('det-e');
    await generate({ persons: 300, seed: 9, rows: 150, noise: 2, out: e });
    expect((await readFile(join(c, 'register.csv'))).equals(await readFile(join(e, 'register.csv')))).toBe(
      true,
    );
    expect((await readFile(join(c, 'register.csv'))).equals(await readFile(join(d, 'register.csv')))).toBe(
      false,
    );
  });
});

describe('row counts', () => {
  it('writes one register row per person and the requested rows per feed', async () => {
    const register = await readCsvRows(join(dir, 'register.csv'), 'utf8-bom');
    expect(register.length - 1).toBe(BASE.persons);
    const persons = parseCsv(await readFile(join(dir, 'truth', 'persons.csv'), 'utf8'));
    expect(persons.length - 1).toBe(BASE.persons);
    const summary = JSON.parse(await readFile(join(dir, 'truth', 'summary.json'), 'utf8')) as {
      feeds: Record<
        string,
        { rows: number; expected: Record<string, number>; rejectReasons: Record<string, number> }
      >;
    };
    const rows = BASE.rows as Record<string, number>;
    for (const feed of FEED_NAMES) {
      const truth = await readTruth(dir, feed);
      expect(truth.length, feed).toBe(rows[feed]);
      expect(truth.map((t) => t.row)).toEqual(truth.map((_, i) => i + 2));
      const s = summary.feeds[feed];
      expect(s?.rows).toBe(rows[feed]);
      expect(Object.values(s?.expected ?? {}).reduce((a, b) => a + b, 0)).toBe(rows[feed]);
      expect(Object.values(s?.rejectReasons ?? {}).reduce((a, b) => a + b, 0)).toBe(s?.expected['reject']);
    }
  });

  it('honours --rows for every feed through the CLI', async () => {
    const out = await tmp('cli');
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        main,
        '--persons',
        '150',
        '--rows',
        '37',
        '--rows-rural',
        '11',
        '--seed',
        '3',
        '--out',
        out,
        '--quiet',
      ],
      {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
      },
    );
    const summary = JSON.parse(stdout) as { files: { feed: string; rows: number }[] };
    expect(summary.files.map((f) => [f.feed, f.rows])).toEqual([
      ['register', 150],
      ['education', 37],
      ['hr', 37],
      ['housing', 37],
      ['medical', 37],
      ['rural', 11],
    ]);
    expect((await readTruth(out, 'rural')).length).toBe(11);
  });
});

describe('ground truth', () => {
  it('refers to register persons exactly where it says so', async () => {
    const persons = new Set(
      parseCsv(await readFile(join(dir, 'truth', 'persons.csv'), 'utf8'))
        .slice(1)
        .map((r) => r[0]),
    );
    for (const feed of FEED_NAMES) {
      for (const t of await readTruth(dir, feed)) {
        expect(EXPECTED).toContain(t.expected);
        if (['id', 'fallback', 'review', 'conflict'].includes(t.expected))
          expect(persons.has(t.personId ?? ''), `${feed} ${t.row}`).toBe(true);
        if (t.expected !== 'outside' && t.expected !== 'unmatched' && t.expected !== 'reject')
          expect(t.inRegister).toBe(true);
        expect(persons.has(t.personId ?? ''), `${feed} ${t.row} inRegister`).toBe(t.inRegister);
        expect(parseIdNumber(t.personId ?? '').ok).toBe(true);
        if (t.expected === 'conflict') expect(persons.has(t.conflictWith ?? '')).toBe(true);
        for (const c of t.candidates ?? []) expect(persons.has(c)).toBe(true);
        if (t.duplicateOf !== null) expect(t.duplicateOf).toBeLessThan(t.row);
        expect(t.rejectReason !== null).toBe(t.expected === 'reject');
      }
    }
  });

  it('agrees with the files when read back with @ew/core parsers', async () => {
    const r = await verifyDir(dir);
    expect(r.problems).toEqual([]);
    expect(r.rows).toBeGreaterThan(2000);
  });

  it('covers every outcome and reject reason at this noise level', async () => {
    const expected = new Set<string>();
    const reasons = new Set<string>();
    for (const feed of FEED_NAMES) {
      for (const t of await readTruth(dir, feed)) {
        expected.add(t.expected);
        if (t.rejectReason) reasons.add(t.rejectReason);
      }
    }
    expect([...expected].sort()).toEqual([...EXPECTED].sort());
    expect([...reasons].sort()).toEqual([
      'BAD_AMOUNT',
      'BAD_DATE',
      'COLUMN_COUNT',
      'NEGATIVE_AMOUNT',
      'REQUIRED_MISSING',
      'UNKNOWN_CODE',
    ]);
  });

  it('writes clean data with --noise 0: no rejects, no noise, only id and outside', async () => {
    const out = await tmp('clean');
    const s = await generate({ persons: 400, seed: 5, rows: 200, noise: 0, out });
    for (const feed of FEED_NAMES) {
      const e = s.expected[feed];
      expect((e?.id ?? 0) + (e?.outside ?? 0), feed).toBe(200);
      for (const t of await readTruth(out, feed)) expect(t.noise).toEqual([]);
    }
    expect((await verifyDir(out)).problems).toEqual([]);
  });
});

describe('planted rule values', () => {
  interface Household {
    income: number | null;
    members: number;
    area: string;
    status: string;
  }
  let households: Map<string, Household>;
  let personHousehold: Map<string, string>;
  beforeAll(async () => {
    households = new Map();
    for (const [no = '', , , area = '', members = '', income = '', status = ''] of parseCsv(
      await readFile(join(dir, 'truth', 'households.csv'), 'utf8'),
    ).slice(1)) {
      households.set(no, {
        income: income === '' ? null : Number(income),
        members: Number(members),
        area,
        status,
      });
    }
    personHousehold = new Map(
      parseCsv(await readFile(join(dir, 'truth', 'persons.csv'), 'utf8'))
        .slice(1)
        .map((r) => [r[0] ?? '', r[4] ?? '']),
    );
  });
  const household = (t: TruthLine): Household | undefined =>
    households.get(personHousehold.get(t.personId ?? '') ?? '');
  const cents = (v: unknown): number => Math.round(Number(v) * 100);

  it('plants every rule of domain §4 in some rows, edges exactly at the threshold', async () => {
    const plants = new Set<string>();
    for (const feed of FEED_NAMES)
      for (const t of await readTruth(dir, feed)) for (const p of t.plants) plants.add(p.split(':')[0] ?? p);
    expect([...plants].sort()).toEqual([
      'ASSET_REVIEW',
      'EDU_DROPOUT',
      'EDU_EXPENSE',
      'HOUSING_DANGER',
      'HR_FLEXIBLE_LOW',
      'HR_STOPPED',
      'HR_UNEMPLOYED',
      'MED_EXPENSE',
      'MED_SERIOUS',
      'RURAL_RISK',
    ]);

    for (const t of await readTruth(dir, 'education')) {
      const h = household(t);
      if (!t.plants.includes('EDU_EXPENSE:edge-equal') || h?.income == null) continue;
      // fees − aid = 30 % of 12 × monthly income, to the cent
      expect(cents(t.values['annual_fees']) - cents(t.values['aid_received'])).toBe(
        Math.round(h.income * 100 * 3.6),
      );
    }
    for (const t of await readTruth(dir, 'medical')) {
      const h = household(t);
      if (!t.plants.includes('MED_EXPENSE:edge-equal') || h?.income == null) continue;
      expect(cents(t.values['out_of_pocket'])).toBe(Math.max(1_000_000, Math.round(h.income * 600)));
    }
    let edges = 0;
    for (const t of await readTruth(dir, 'hr')) {
      const p = t.plants.find((x) => x.startsWith('HR_UNEMPLOYED:days-'));
      if (p !== undefined) {
        const days = (Date.parse('2023-03-31') - Date.parse(String(t.values['event_date']))) / 86_400_000;
        expect(days).toBe(Number(p.slice('HR_UNEMPLOYED:days-'.length)));
        edges++;
      }
      const h = household(t);
      if (t.plants.includes('HR_FLEXIBLE_LOW:edge-equal') && h !== undefined) {
        expect(t.values['monthly_income']).toBe(h.area === 'URBAN' ? 1350 : 1050);
      }
    }
    expect(edges).toBeGreaterThan(0);
  });

  it('plants register incomes in every band around the standards', async () => {
    const reg = JSON.parse(await readFile(join(dir, 'truth', 'register.json'), 'utf8')) as {
      incomeBands: Record<string, number>;
      namesakes: { groups: number };
      refusedBefore: number;
      byStatus: Record<string, number>;
    };
    for (const band of [
      'above',
      'marginal',
      'raise_window',
      'below',
      'edge_standard',
      'edge_marginal',
      'edge_new_marginal',
      'missing',
    ]) {
      expect(reg.incomeBands[band] ?? 0, band).toBeGreaterThan(0);
    }
    expect(reg.namesakes.groups).toBeGreaterThanOrEqual(3);
    expect(reg.refusedBefore).toBeGreaterThan(0);
    for (const s of ['NONE', 'DIBAO', 'TEKUN', 'MARGINAL', 'MONITORED'])
      expect(reg.byStatus[s] ?? 0, s).toBeGreaterThan(0);
    // exact edges: per-capita income equal to the standard / marginal threshold
    let exact = 0;
    for (const h of households.values()) {
      if (h.income === null) continue;
      const pc = h.income / h.members;
      if ([900, 1350, 950, 1425, 700, 1050, 750, 1125].includes(pc)) exact++;
    }
    expect(exact).toBeGreaterThan(5);
  });
});

describe('encodings and formats', () => {
  const header = (feed: LayoutName): string[] => [...(layouts.get(feed)?.headers ?? [])];

  it('writes education as GBK with the mapping headers (first aliases)', async () => {
    const buf = await readFile(join(dir, 'education.csv'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(buf)).toThrow();
    const rows = parseCsv(iconv.decode(buf, 'gbk'));
    expect(rows[0]).toEqual(header('education'));
    expect(rows[0]).toEqual([
      '身份证件号',
      '学生姓名',
      '性别',
      '出生日期',
      '就读学校',
      '学段',
      '学籍状态',
      '年度学杂费',
      '已获资助金额',
    ]);
  });

  it('writes hr as UTF-8, medical and register as UTF-8 with BOM, rural as GB18030', async () => {
    const hr = await readFile(join(dir, 'hr.csv'));
    expect(hr[0]).not.toBe(0xef);
    expect(parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(hr))[0]).toEqual(header('hr'));
    for (const f of ['medical', 'register'] as const) {
      const b = await readFile(join(dir, `${f}.csv`));
      expect([...b.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(3)))[0]).toEqual(header(f));
    }
    expect(parseCsv(iconv.decode(await readFile(join(dir, 'rural.csv')), 'gb18030'))[0]).toEqual(
      header('rural'),
    );
  });

  it('writes the register as GBK on request', async () => {
    const out = await tmp('gbk');
    await generate({ persons: 200, seed: 1, out, registerEncoding: 'gbk', feeds: [] });
    const rows = parseCsv(iconv.decode(await readFile(join(out, 'register.csv')), 'gbk'));
    expect(rows[0]).toEqual(header('register'));
    expect(rows.length - 1).toBe(200);
  });

  it('writes housing as XLSX with text ID cells, numeric only where Excel damaged them', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'housing.xlsx'));
    const ws = wb.worksheets[0];
    expect(ws).toBeDefined();
    if (ws === undefined) return;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(header('housing'));
    const truth = await readTruth(dir, 'housing');
    let numeric = 0;
    for (const t of truth) {
      const v = ws.getRow(t.row).getCell(1).value;
      if (t.noise.includes('id:excel_numeric')) {
        expect(typeof v, `row ${t.row}`).toBe('number');
        numeric++;
      } else expect(v === null || typeof v === 'string', `row ${t.row}`).toBe(true);
    }
    expect(numeric).toBeGreaterThan(0);
  });

  it('writes every feed as CSV with --format csv', async () => {
    const out = await tmp('csv');
    const s = await generate({ persons: 200, seed: 1, rows: 20, out, format: 'csv' });
    expect(s.files.map((f) => f.format)).toEqual(['csv', 'csv', 'csv', 'csv', 'csv', 'csv']);
    expect((await readCsvRows(join(out, 'housing.csv'), 'utf8-bom'))[0]).toEqual(header('housing'));
    expect((await verifyDir(out)).problems).toEqual([]);
  });
});

describe('register snapshot 2', () => {
  it('adds, removes and moves persons and changes a status, as register-diff.json says', async () => {
    const one = await tmp('snap1');
    const two = await tmp('snap2');
    await generate({ persons: 1000, seed: 77, out: one, feeds: [] });
    await generate({ persons: 1000, seed: 77, out: two, snapshot: 2 });
    const diff = JSON.parse(await readFile(join(two, 'truth', 'register-diff.json'), 'utf8')) as RegisterDiff;
    expect(diff.added.length).toBeGreaterThan(0);
    expect(diff.removed.length).toBeGreaterThan(0);
    expect(diff.moved.length).toBeGreaterThan(0);
    expect(diff.statusChanged.length).toBeGreaterThan(0);
    const persons = async (d: string): Promise<Map<string, string>> =>
      new Map(
        parseCsv(await readFile(join(d, 'truth', 'persons.csv'), 'utf8'))
          .slice(1)
          .map((r) => [r[0] ?? '', r[4] ?? '']),
      );
    const p1 = await persons(one);
    const p2 = await persons(two);
    for (const a of diff.added) {
      expect(p1.has(a.id)).toBe(false);
      expect(p2.get(a.id)).toBe(a.householdNo);
    }
    for (const r of diff.removed) {
      expect(p1.get(r.id)).toBe(r.householdNo);
      expect(p2.has(r.id)).toBe(false);
    }
    for (const m of diff.moved) {
      expect(p1.get(m.id)).toBe(m.from);
      expect(p2.get(m.id)).toBe(m.to);
    }
    expect(p2.size).toBe(p1.size + diff.added.length - diff.removed.length);
    const status = async (d: string): Promise<Map<string, string>> =>
      new Map(
        parseCsv(await readFile(join(d, 'truth', 'households.csv'), 'utf8'))
          .slice(1)
          .map((r) => [r[0] ?? '', r[6] ?? '']),
      );
    const s1 = await status(one);
    const s2 = await status(two);
    for (const c of diff.statusChanged) {
      expect(s1.get(c.householdNo)).toBe(c.from);
      expect(s2.get(c.householdNo)).toBe(c.to);
    }
    // everything else is unchanged
    let same = 0;
    for (const [id, hh] of p1) if (p2.get(id) === hh) same++;
    expect(same).toBe(p1.size - diff.removed.length - diff.moved.length);
    expect((await readCsvRows(join(two, 'register.csv'), 'utf8-bom')).length - 1).toBe(p2.size);
  });
});

describe('name tables', () => {
  it('traditional forms normalise back to the simplified name (as @ew/core does)', () => {
    for (const [simp, trad] of Object.entries(TRADITIONAL))
      expect(normaliseName(`王${trad}`), trad).toBe(normaliseName(`王${simp}`));
  });

  it('homophone typos have the same pinyin', () => {
    for (const [ch, typos] of Object.entries(HOMOPHONES))
      for (const t of typos) expect(namePinyin(`王${t}`), `${ch}→${t}`).toBe(namePinyin(`王${ch}`));
  });
});
