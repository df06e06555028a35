// CLI: npx tsx test/generator/main.ts --persons 1000 --seed 42 --out DIR [options]

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { generate, type GenerateOptions } from './generate.ts';
import { FEED_NAMES, type FeedName } from './mappings.ts';

const USAGE = `Usage: npx tsx test/generator/main.ts --out DIR [options]

  --persons N              register persons (100 … 1,000,000; default 1000)
  --seed N                 PRNG seed (default 42); same seed + options → same bytes
  --out DIR                output directory (files + truth/)
  --rows N                 rows per feed (default: persons × education 0.25, hr 0.6,
                           housing 0.3, medical 0.6, rural 0.15)
  --rows-<feed> N          rows of one feed (education, hr, housing, medical, rural)
  --period ISO             as-of date of every feed (default 2023-03-31)
  --period-<feed> ISO      as-of date of one feed
  --register-as-of ISO     register snapshot date (default 2023-03-31)
  --register-encoding E    utf8 | utf8-bom (default) | gbk
  --noise X                multiply every noise rate (default 1.0; 0 = clean data)
  --outside-rate X         share of feed rows about people outside the register (default 0.05)
  --format native|csv      csv writes every feed as CSV (housing as UTF-8 BOM CSV)
  --feeds a,b              only these feeds (default all; "none" for the register only)
  --snapshot 1|2           2 = a later register snapshot + truth/register-diff.json (no feeds)
  --snapshot-as-of ISO     date of snapshot 2 (default register as-of + 61 days)
  --no-persons-csv         skip truth/persons.csv and truth/households.csv
  --quiet                  no progress lines
`;

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${v}`);
  return n;
}

function iso(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`--${name} must be YYYY-MM-DD, got ${v}`);
  return v;
}

async function main(): Promise<void> {
  const perFeed = Object.fromEntries(
    FEED_NAMES.flatMap((f) => [
      [`rows-${f}`, { type: 'string' as const }],
      [`period-${f}`, { type: 'string' as const }],
    ]),
  );
  const { values } = parseArgs({
    options: {
      persons: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      rows: { type: 'string' },
      period: { type: 'string' },
      'register-as-of': { type: 'string' },
      'register-encoding': { type: 'string' },
      noise: { type: 'string' },
      'outside-rate': { type: 'string' },
      format: { type: 'string' },
      feeds: { type: 'string' },
      snapshot: { type: 'string' },
      'snapshot-as-of': { type: 'string' },
      'no-persons-csv': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...perFeed,
    },
    strict: true,
  });
  const v = values as Record<string, string | boolean | undefined>;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (v['help'] === true || str('out') === undefined) {
    process.stdout.write(USAGE);
    process.exitCode = v['help'] === true ? 0 : 2;
    return;
  }

  const rows: Partial<Record<FeedName, number>> = {};
  const periods: Partial<Record<FeedName, string>> = {};
  const allRows = str('rows');
  for (const f of FEED_NAMES) {
    const r = str(`rows-${f}`) ?? allRows;
    if (r !== undefined) rows[f] = int(`rows-${f}`, r, 0);
    const p = iso(`period-${f}`, str(`period-${f}`) ?? str('period'));
    if (p !== undefined) periods[f] = p;
  }
  const enc = str('register-encoding') ?? 'utf8-bom';
  if (enc !== 'utf8' && enc !== 'utf8-bom' && enc !== 'gbk')
    throw new Error(`--register-encoding must be utf8, utf8-bom or gbk`);
  const format = str('format') ?? 'native';
  if (format !== 'native' && format !== 'csv') throw new Error('--format must be native or csv');
  const snapshot = int('snapshot', str('snapshot'), 1);
  if (snapshot !== 1 && snapshot !== 2) throw new Error('--snapshot must be 1 or 2');
  let feeds: FeedName[] | undefined;
  const feedList = str('feeds');
  if (feedList !== undefined) {
    feeds = feedList === 'none' ? [] : (feedList.split(',').map((s) => s.trim()) as FeedName[]);
    for (const f of feeds) if (!FEED_NAMES.includes(f)) throw new Error(`unknown feed ${f}`);
  }
  const registerAsOf = iso('register-as-of', str('register-as-of'));
  const snapshotAsOf = iso('snapshot-as-of', str('snapshot-as-of'));

  const options: GenerateOptions = {
    out: resolve(str('out') ?? '.'),
    persons: int('persons', str('persons'), 1000),
    seed: int('seed', str('seed'), 42),
    rows,
    periods,
    registerEncoding: enc,
    noise: num('noise', str('noise'), 1),
    outsideRate: num('outside-rate', str('outside-rate'), 0.05),
    format,
    snapshot,
    personsCsv: v['no-persons-csv'] !== true,
    ...(feeds === undefined ? {} : { feeds }),
    ...(registerAsOf === undefined ? {} : { registerAsOf }),
    ...(snapshotAsOf === undefined ? {} : { snapshotAsOf }),
    ...(v['quiet'] === true ? {} : { log: (m: string) => process.stderr.write(`${m}\n`) }),
  };
  const summary = await generate(options);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
