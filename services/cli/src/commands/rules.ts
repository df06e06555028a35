// `rules simulate --config new.yaml` (dry run of a threshold change) and
// `rules standard-change --area URBAN --from 2023-07-01` (re-evaluate households now).
import { Command } from 'commander';
import { loadDeploymentConfig, type AreaType } from '@ew/config';
import { simulateRules, type SimulationCounts } from '@ew/pipeline/rules/simulate';
import { runStandardChange } from '@ew/pipeline/rules/standard-change';
import { withApp } from '../app.ts';
import { num, table } from '../format.ts';
import { userPath } from '../paths.ts';

function codeTable(current: SimulationCounts, proposed: SimulationCounts): string {
  const codes = [...new Set([...Object.keys(current.byCode), ...Object.keys(proposed.byCode)])].sort();
  return table(
    ['code', 'households now', 'proposed', 'change'],
    codes.map((c) => {
      const a = current.byCode[c]?.households ?? 0;
      const b = proposed.byCode[c]?.households ?? 0;
      return [c, a, b, `${b - a >= 0 ? '+' : ''}${num(b - a)}`];
    }),
  );
}

function townTable(current: SimulationCounts, proposed: SimulationCounts): string {
  const towns = [
    ...new Set([...current.byTown.map((t) => t.town), ...proposed.byTown.map((t) => t.town)]),
  ].sort();
  return table(
    ['town', 'alerts now', 'proposed', 'change'],
    towns.map((t) => {
      const a = current.byTown.find((x) => x.town === t)?.alerts ?? 0;
      const b = proposed.byTown.find((x) => x.town === t)?.alerts ?? 0;
      return [t, a, b, `${b - a >= 0 ? '+' : ''}${num(b - a)}`];
    }),
  );
}

export function rulesCommand(): Command {
  const rules = new Command('rules').description('early-warning rules');
  rules
    .command('simulate')
    .description('how many alerts a proposed deployment config would raise on current data (writes nothing)')
    .requiredOption('--config <path>', 'the proposed deployment config (YAML)')
    .option('--at <date>', 'evaluate thresholds as of this date instead of each delivery period')
    .option('--json', 'as JSON')
    .action(async (opts: { config: string; at?: string; json?: boolean }) => {
      const proposed = loadDeploymentConfig(userPath(opts.config));
      await withApp(async ({ ctx }) => {
        const result = await simulateRules(ctx, proposed, opts.at ? { at: opts.at } : {});
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          [
            `dry run over ${result.deliveries.map((d) => `${d.feed} ${d.period}`).join(', ') || 'no delivery'} and the register (as of ${result.registerAsOf})`,
            `alerts: now ${num(result.current.alerts)}, proposed ${num(result.proposed.alerts)}`,
            '',
            codeTable(result.current, result.proposed),
            '',
            townTable(result.current, result.proposed),
            '',
          ].join('\n'),
        );
      });
    });
  rules
    .command('standard-change')
    .description('re-evaluate every household of an area type against the standard taking effect on a date')
    .requiredOption('--area <type>', 'URBAN | RURAL')
    .requiredOption('--from <date>', 'the effective date of the new standard (as in the deployment config)')
    .action(async (opts: { area: string; from: string }) => {
      if (opts.area !== 'URBAN' && opts.area !== 'RURAL') throw new Error('--area must be URBAN or RURAL');
      await withApp(async ({ ctx }) => {
        const outcome = await runStandardChange(ctx, {
          areaType: opts.area as AreaType,
          effectiveFrom: opts.from,
        });
        process.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
      });
    });
  return rules;
}
