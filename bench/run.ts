// `pnpm bench <command> [flags]` — benchmark scripts (speed and memory targets are measured here,
// never by timed tests). Every result records os.loadavg(): the machine has 2 cores and is shared.
//
//   generate  --persons 1000000[,…]            generator time + peak RSS for the register (issue 2)
//   import    --rows 1000000[,…] --register N   import job in a worker process: rows/s, peak RSS (issue 3)
//   match     --rows N --register N             match quality + time next to a plain SQL join (issue 4)
//   rules     --rows N --register N             the evaluate stage alone (issue 5)
//   pipeline  --rows 1000000[,…] --register N --workers 1|2   end to end vs the raw-SQL floor (issue 6)
//   api       --tasks 1000000 --towns 20 --connections 50 --duration 20   the console's requests under load (issue 11)
//   report    --tasks 1000000 [--periods P,…] [--runs N]     one period's statistics table (issue 13)
//
// Common flags: --seed S (default 42), --feed F (default hr), --json PATH, --keep (keep the run's
// database). Generated data is cached in bench/.cache/; see bench/README.md.
import { apiBench } from './commands/api.ts';
import { generate } from './commands/generate.ts';
import { importBench } from './commands/import.ts';
import { matchBench } from './commands/match.ts';
import { pipelineBench } from './commands/pipeline.ts';
import { reportBench } from './commands/report.ts';
import { rulesBench } from './commands/rules.ts';
import { Args } from './lib/report.ts';

const commands: Record<string, (args: Args) => Promise<void>> = {
  generate,
  import: importBench,
  match: matchBench,
  rules: rulesBench,
  pipeline: pipelineBench,
  api: apiBench,
  report: reportBench,
};

const [name, ...rest] = process.argv.slice(2).filter((a) => a !== '--');
const command = name === undefined ? undefined : commands[name];
if (!command) {
  process.stderr.write(`usage: pnpm bench <${Object.keys(commands).join('|')}> [flags] (see bench/run.ts)\n`);
  process.exit(name === undefined || name === '--help' ? 0 : 1);
}
try {
  await command(new Args(rest));
  process.exit(0);
} catch (error) {
  process.stderr.write(
    `bench ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
