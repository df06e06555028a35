// Orchestrates one run: register (snapshot 1 or 2) + the five feeds + ground truth.
//
//   OUT/register.csv                 register snapshot (UTF-8 BOM by default)
//   OUT/education.csv  (GBK)         OUT/hr.csv (UTF-8)        OUT/housing.xlsx
//   OUT/medical.csv    (UTF-8 BOM)   OUT/rural.csv (GB18030)
//   OUT/truth/<feed>.jsonl           one line per data row (see truth.ts)
//   OUT/truth/register.json, persons.csv, households.csv, summary.json
//   OUT/truth/register-diff.json     with snapshot 2 only

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dayOfIso, isoOf } from './calendar.ts';
import { runFeed } from './feeds/engine.ts';
import { FEEDS } from './feeds/index.ts';
import { FEED_NAMES, loadLayouts, type FeedName } from './mappings.ts';
import { DEFAULT_NOISE, scaleNoise, type NoiseRates } from './noise.ts';
import { generateRegister } from './register.ts';
import {
  writeHouseholdsCsv,
  writePersonsCsv,
  writeRegisterCsv,
  writeRegisterSummary,
} from './register-writer.ts';
import { snapshot2 } from './snapshot.ts';
import { DEFAULT_STANDARDS, Standards, type StandardVersion } from './standards.ts';
import type { Expected } from './truth.ts';
import type { TextEncodingName } from './writers.ts';

export interface GenerateOptions {
  /** Output directory (created). */
  out: string;
  persons: number;
  seed: number;
  /** Rows per feed: one number for all, or per feed. Default: a share of `persons` per feed. */
  rows?: number | Partial<Record<FeedName, number>>;
  /** As-of date (period) per feed, ISO. Default 2023-03-31 for all. */
  periods?: Partial<Record<FeedName, string>>;
  /** As-of date of register snapshot 1. Default 2023-03-31. */
  registerAsOf?: string;
  registerEncoding?: 'utf8' | 'utf8-bom' | 'gbk';
  /** Multiplies every noise rate; 0 = clean data. Default 1. */
  noise?: number;
  /** Base noise rates (before `noise` scaling). */
  noiseRates?: NoiseRates;
  /** Share of feed rows about people outside the register. Default 0.05. */
  outsideRate?: number;
  /** Share of no-ID rows with a birth date that are about namesakes (→ review). Default 0.3. */
  namesakeShare?: number;
  /** 'native': each feed in its department's format; 'csv': every feed as CSV (for big runs). */
  format?: 'native' | 'csv';
  /** Which feeds to write. Default all five. */
  feeds?: readonly FeedName[];
  /** 2 = a later register snapshot (with truth/register-diff.json); feeds are not written then. */
  snapshot?: 1 | 2;
  /** As-of date of snapshot 2. Default register as-of + 61 days. */
  snapshotAsOf?: string;
  standards?: readonly StandardVersion[];
  marginalFactor?: number;
  mappingsDir?: string;
  /** Write truth/persons.csv and truth/households.csv. Default true. */
  personsCsv?: boolean;
  log?: (msg: string) => void;
}

export interface GeneratedFile {
  feed: FeedName | 'register';
  path: string;
  rows: number;
  format: 'csv' | 'xlsx';
  encoding: TextEncodingName | 'xlsx';
  period: string;
}

export interface GenerateSummary {
  out: string;
  seed: number;
  persons: number;
  households: number;
  snapshot: 1 | 2;
  files: GeneratedFile[];
  expected: Partial<Record<FeedName, Record<Expected, number>>>;
  elapsedMs: number;
}

export const DEFAULT_PERIOD = '2023-03-31';
export const DEFAULT_ROW_SHARE: Readonly<Record<FeedName, number>> = {
  education: 0.25,
  hr: 0.6,
  housing: 0.3,
  medical: 0.6,
  rural: 0.15,
};
const NATIVE: Readonly<Record<FeedName, { format: 'csv' | 'xlsx'; encoding: TextEncodingName }>> = {
  education: { format: 'csv', encoding: 'gbk' },
  hr: { format: 'csv', encoding: 'utf8' },
  housing: { format: 'xlsx', encoding: 'utf8' },
  medical: { format: 'csv', encoding: 'utf8-bom' },
  rural: { format: 'csv', encoding: 'gb18030' },
};

export function rowsFor(o: GenerateOptions, feed: FeedName): number {
  if (typeof o.rows === 'number') return o.rows;
  return o.rows?.[feed] ?? Math.round(o.persons * DEFAULT_ROW_SHARE[feed]);
}

export async function generate(o: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const log = o.log ?? (() => undefined);
  if (!Number.isInteger(o.persons) || o.persons < 1)
    throw new RangeError('persons must be a positive integer');
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new RangeError('seed must be a non-negative integer');
  const snapshot = o.snapshot ?? 1;
  const registerAsOf = o.registerAsOf ?? DEFAULT_PERIOD;
  const standards = new Standards(o.standards ?? DEFAULT_STANDARDS, o.marginalFactor ?? 1.5);
  const rates = scaleNoise(o.noiseRates ?? DEFAULT_NOISE, o.noise ?? 1);
  const layouts = await loadLayouts(o.mappingsDir);
  const truthDir = join(o.out, 'truth');
  await mkdir(truthDir, { recursive: true });

  // Register.
  let reg = generateRegister({ seed: o.seed, persons: o.persons, asOf: registerAsOf, standards });
  log(`register: ${reg.n} persons in ${reg.nh} households (${Math.round(performance.now() - started)} ms)`);
  let diffInfo: object = {};
  if (snapshot === 2) {
    const asOf2 = o.snapshotAsOf ?? isoOf(dayOfIso(registerAsOf) + 61);
    const r = snapshot2(reg, o.seed, dayOfIso(asOf2));
    reg = r.reg;
    const diff = { asOf: { from: registerAsOf, to: asOf2 }, ...r.diff };
    await writeFile(join(truthDir, 'register-diff.json'), `${JSON.stringify(diff, null, 2)}\n`);
    diffInfo = {
      added: diff.added.length,
      removed: diff.removed.length,
      moved: diff.moved.length,
      statusChanged: diff.statusChanged.length,
    };
  }
  const registerLayout = layouts.get('register');
  if (registerLayout === undefined) throw new Error('register mapping missing');
  const registerEncoding = o.registerEncoding ?? 'utf8-bom';
  const regInfo = await writeRegisterCsv(
    reg,
    registerLayout,
    o.seed,
    join(o.out, 'register.csv'),
    registerEncoding,
  );
  log(`register.csv written (${Math.round(performance.now() - started)} ms)`);
  if (o.personsCsv ?? true) {
    await writePersonsCsv(reg, join(truthDir, 'persons.csv'));
    await writeHouseholdsCsv(reg, join(truthDir, 'households.csv'));
  }
  const registerSummary = await writeRegisterSummary(reg, regInfo, join(truthDir, 'register.json'), {
    seed: o.seed,
    snapshot,
    ...(snapshot === 2 ? { diff: diffInfo } : {}),
  });

  log(`register truth written (${Math.round(performance.now() - started)} ms)`);

  const files: GeneratedFile[] = [
    {
      feed: 'register',
      path: regInfo.file,
      rows: regInfo.rows,
      format: 'csv',
      encoding: registerEncoding,
      period: isoOf(reg.asOfDay),
    },
  ];
  const feedSummaries: Record<string, object> = {};
  const expected: Partial<Record<FeedName, Record<Expected, number>>> = {};

  // Feeds (snapshot 1 only: their truth is against snapshot 1).
  const feeds = snapshot === 2 ? [] : (o.feeds ?? FEED_NAMES);
  for (const feed of feeds) {
    const layout = layouts.get(feed);
    if (layout === undefined) throw new Error(`${feed} mapping missing`);
    const native = NATIVE[feed];
    const format = o.format === 'csv' ? 'csv' : native.format;
    const encoding = format === 'csv' && native.format === 'xlsx' ? 'utf8-bom' : native.encoding;
    const period = o.periods?.[feed] ?? DEFAULT_PERIOD;
    const path = join(o.out, `${feed}.${format}`);
    const rows = rowsFor(o, feed);
    const { stats, file } = await runFeed({
      def: FEEDS[feed],
      layout,
      reg,
      seed: o.seed,
      rows,
      periodDay: dayOfIso(period),
      standards,
      rates,
      outsideRate: o.outsideRate ?? 0.05,
      namesakeShare: o.namesakeShare ?? 0.3,
      format,
      encoding,
      path,
      truthPath: join(truthDir, `${feed}.jsonl`),
    });
    files.push({ feed, path, rows, format, encoding: format === 'xlsx' ? 'xlsx' : encoding, period });
    expected[feed] = stats.expected as Record<Expected, number>;
    feedSummaries[feed] = {
      file: `${feed}.${format}`,
      format,
      encoding: format === 'xlsx' ? 'xlsx' : encoding,
      period,
      style: file,
      ...stats.toJSON(),
    };
    log(`${feed}: ${rows} rows (${Math.round(performance.now() - started)} ms)`);
  }

  const summary = {
    generator: 'test/generator',
    seed: o.seed,
    persons: o.persons,
    snapshot,
    options: {
      noise: o.noise ?? 1,
      outsideRate: o.outsideRate ?? 0.05,
      namesakeShare: o.namesakeShare ?? 0.3,
      registerAsOf,
      standards: o.standards ?? DEFAULT_STANDARDS,
      marginalFactor: standards.marginalFactor,
      format: o.format ?? 'native',
      noiseRates: rates,
    },
    register: registerSummary,
    feeds: feedSummaries,
  };
  await writeFile(join(truthDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return {
    out: o.out,
    seed: o.seed,
    persons: reg.n,
    households: reg.nh,
    snapshot,
    files,
    expected,
    elapsedMs: Math.round(performance.now() - started),
  };
}
