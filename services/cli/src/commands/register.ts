// `register import FILE`: load a full household-register snapshot.
import { Command } from 'commander';
import { afterRegisterSnapshot, type SnapshotFollowUp } from '@ew/pipeline/register/after-snapshot';
import { importRegister, type RegisterImportResult } from '@ew/pipeline/register/register-import';
import type { CliApp } from '../app.ts';
import { parsePeriod } from '@ew/pipeline/imports/period';
import { withApp } from '../app.ts';
import { num } from '../format.ts';
import { userPath } from '../paths.ts';
import { formatWarnings } from './import.ts';

export async function loadRegister(app: CliApp, file: string, asOf?: string): Promise<RegisterImportResult> {
  const mapping = app.ctx.mappings.get('register');
  if (!mapping) throw new Error('no register mapping (register.yaml) in FEEDS_DIR');
  return importRegister(
    { database: app.ctx.database, mapping, allMappings: app.ctx.mappings, logger: app.ctx.logger },
    file,
    asOf ? { asOf } : {},
  );
}

export function formatRegisterResult(file: string, r: RegisterImportResult): string {
  if (r.outcome === 'REFUSED') return `register ${file}: REFUSED (${r.error?.code}): ${r.error?.message}`;
  const head =
    r.outcome === 'ALREADY_LOADED'
      ? `register ${file}: these exact bytes were loaded already (snapshot ${r.snapshotId}); nothing changed`
      : `register ${file}: snapshot ${r.snapshotId} applied`;
  const events = Object.entries(r.events)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${num(n)}`)
    .join(', ');
  return [
    head,
    `  rows read ${num(r.rowsRead)}, accepted ${num(r.accepted)}, rejected ${num(r.rejected)}; register now ${num(r.households)} households, ${num(r.persons)} persons`,
    events ? `  changes since the previous snapshot: ${events}` : null,
    ...formatWarnings(r.warnings),
  ]
    .filter(Boolean)
    .join('\n');
}

export function formatFollowUp(f: SnapshotFollowUp): string {
  const r = f.rematch;
  const income =
    f.income.outcome === 'evaluated'
      ? `register rule INCOME_MARGINAL as of ${f.income.asOf}: ${num(f.income.signals)} new signals`
      : `register rule INCOME_MARGINAL: ${f.income.reason === 'already-run' ? 'run already for this snapshot' : 'skipped'}`;
  return [
    `  follow-up: ${num(r.rematched)} rows outside the old register matched again (${num(r.newlyMatched)} now matched), ` +
      `${num(r.flaggedLeft)} matches flagged as their person left, ${num(r.unflagged)} flags cleared`,
    `  ${income}`,
  ].join('\n');
}

export function registerCommand(): Command {
  const register = new Command('register').description('the household register (户籍 / 低收入人口库)');
  register
    .command('import')
    .description('load a full register snapshot (replaces the previous one; differences become events)')
    .option('--as-of <date>', 'the extract date (YYYY-MM-DD); register rules are judged as of it', undefined)
    .argument('<file>')
    .action(async (file: string, opts: { asOf?: string }) => {
      await withApp(async (app) => {
        const result = await loadRegister(
          app,
          userPath(file),
          opts.asOf ? parsePeriod(opts.asOf) : undefined,
        );
        process.stdout.write(formatRegisterResult(file, result) + '\n');
        if (result.outcome === 'REFUSED') {
          process.exitCode = 2;
          return;
        }
        // the follow-up (re-match the rows outside the old register, register income rule) runs
        // here and now; the queued job finds it done (each step is idempotent per snapshot)
        const followUp = await afterRegisterSnapshot(app.ctx, { snapshotId: result.snapshotId });
        process.stdout.write(formatFollowUp(followUp) + '\n');
      });
    });
  return register;
}
