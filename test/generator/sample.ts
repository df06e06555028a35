// Regenerates the bundled sample (infra/sample/): 2,000 persons, seed 20230331, noise 2, six files +
// truth, and snapshot 2 of the register in infra/sample/snapshot-2/.
//   npx tsx test/generator/sample.ts [OUT_DIR]

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type GenerateOptions } from './generate.ts';

export const SAMPLE_OPTIONS: Omit<GenerateOptions, 'out'> = {
  persons: 2000,
  seed: 20230331,
  rows: { education: 400, hr: 800, housing: 500, medical: 800, rural: 300 },
  // Twice the default noise, so every outcome and reject reason occurs in every feed of the sample.
  noise: 2,
};

export async function writeSample(out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await generate({ ...SAMPLE_OPTIONS, out });
  await generate({ ...SAMPLE_OPTIONS, out: join(out, 'snapshot-2'), snapshot: 2, personsCsv: false });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? fileURLToPath(new URL('../../infra/sample/', import.meta.url));
  await writeSample(out);
  process.stdout.write(`sample written to ${out}\n`);
}
