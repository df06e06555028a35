// `pnpm bench generate --persons 1000000`: time and peak memory of the sample-data generator
// writing a register (issue 2: "1,000,000 register rows in under a minute with bounded memory").
// Runs the generator CLI under /usr/bin/time -v (exact peak RSS of the process, kernel-counted).
// `--persons 100000,1000000` shows whether memory grows with the register.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR, round2, trackLoad } from '../lib/env.ts';
import { GENERATOR, log } from '../lib/data.ts';
import { runCommand } from '../lib/proc.ts';
import { load, printTable, type Args, writeJson } from '../lib/report.ts';

export async function generate(args: Args): Promise<void> {
  const sizes = args.numbers('persons', 1_000_000);
  const seed = args.number('seed', 42);
  const results = [];
  for (const persons of sizes) {
    const out = join(CACHE_DIR, `generate-p${persons}-s${seed}`);
    await rm(out, { recursive: true, force: true });
    log(`generator: ${persons.toLocaleString()} persons, register only …`);
    const loadAvg = trackLoad();
    const run = await runCommand('/usr/bin/time', [
      '-v',
      process.execPath,
      '--import',
      'tsx',
      GENERATOR,
      '--persons',
      String(persons),
      '--seed',
      String(seed),
      '--feeds',
      'none',
      '--out',
      out,
      '--quiet',
    ]);
    const l = loadAvg.done();
    const kb = (label: string) =>
      Number(new RegExp(`${label}[^:]*:\\s*([\\d.]+)`).exec(run.stderr)?.[1] ?? NaN);
    const files = await readdir(out, { recursive: true });
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(out, f))).isFile() ? (await stat(join(out, f))).size : 0;
    const registerBytes = (await stat(join(out, 'register.csv'))).size;
    results.push({
      persons,
      seconds: round2(run.seconds),
      rows_per_second: Math.round(persons / run.seconds),
      peak_rss_mb: round2(kb('Maximum resident set size') / 1024),
      cpu_seconds: round2(kb('User time') + kb('System time')),
      register_csv_mb: round2(registerBytes / 2 ** 20),
      all_files_mb: round2(bytes / 2 ** 20),
      load_average: l,
    });
    await rm(out, { recursive: true, force: true });
  }
  printTable(
    'generator: register only (--feeds none), truth persons/households included',
    ['persons', 'seconds', 'rows/s', 'peak RSS MB', 'CPU s', 'register.csv MB', 'load average 1/5/15'],
    results.map((r) => [
      r.persons,
      r.seconds,
      r.rows_per_second,
      r.peak_rss_mb,
      r.cpu_seconds,
      r.register_csv_mb,
      load(r.load_average),
    ]),
  );
  await writeJson(args.jsonPath('generate'), 'generate', { seed, results });
}
