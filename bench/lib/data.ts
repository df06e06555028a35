// Generated data, cached under bench/.cache/ by seed and size (git-ignored). The generator is
// deterministic: the register of (persons, seed) is the same bytes whatever feed rows come with it,
// so one register file serves every feed size.
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TruthRow } from '@ew/pipeline/match/quality';
import { CACHE_DIR } from './env.ts';
import { spawnTs } from './proc.ts';

export const GENERATOR = 'test/generator/main.ts';

export interface FeedData {
  feed: string;
  persons: number;
  rows: number;
  seed: number;
  dir: string;
  registerFile: string;
  feedFile: string;
  truthFile: string;
  feedBytes: number;
}

/** The register (persons, seed) and one CSV feed of `rows` rows, generated once and cached. */
export async function ensureFeedData(opts: {
  feed: string;
  persons: number;
  rows: number;
  seed: number;
}): Promise<FeedData> {
  const { feed, persons, rows, seed } = opts;
  const dir = join(CACHE_DIR, `${feed}-p${persons}-r${rows}-s${seed}`);
  const feedFile = join(dir, `${feed}.csv`);
  const registerDir = join(CACHE_DIR, `register-p${persons}-s${seed}`);
  const registerFile = join(registerDir, 'register.csv');
  if (!existsSync(join(dir, 'DONE'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    log(
      `generating ${rows.toLocaleString()} ${feed} rows against ${persons.toLocaleString()} persons (seed ${seed}) …`,
    );
    const args = [
      '--persons',
      String(persons),
      '--seed',
      String(seed),
      '--out',
      tmp,
      '--format',
      'csv',
      '--feeds',
      feed,
      `--rows-${feed}`,
      String(rows),
      '--no-persons-csv',
      '--quiet',
    ];
    const gen = spawnTs(GENERATOR, args, { keepLines: false });
    const code = await gen.exited;
    if (code !== 0) throw new Error(`generator failed (${code}): ${gen.stderr.join('').slice(-2000)}`);
    if (!existsSync(join(registerDir, 'DONE'))) {
      await mkdir(registerDir, { recursive: true });
      await rename(join(tmp, 'register.csv'), registerFile);
      await copyFile(join(tmp, 'truth', 'summary.json'), join(registerDir, 'summary.json'));
      await touch(join(registerDir, 'DONE'));
    } else {
      await rm(join(tmp, 'register.csv'));
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    await touch(join(dir, 'DONE'));
  }
  return {
    feed,
    persons,
    rows,
    seed,
    dir,
    registerFile,
    feedFile,
    truthFile: join(dir, 'truth', `${feed}.jsonl`),
    feedBytes: (await stat(feedFile)).size,
  };
}

async function touch(path: string): Promise<void> {
  await writeFile(path, new Date().toISOString() + '\n');
}

/** The generator's truth for a feed: row number, expected outcome, the true person's ID. */
export async function readTruth(file: string): Promise<TruthRow[]> {
  const out: TruthRow[] = [];
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (!line) continue;
    const t = JSON.parse(line) as { row: number; expected: string; personId: string | null };
    out.push({ row: t.row, expected: t.expected, personId: t.personId });
  }
  return out;
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
