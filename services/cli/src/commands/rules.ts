// `rules simulate --config new.yaml` (dry run of a threshold change, and of the standard change on
// the date) and `rules standard-change --all --from 2023-07-01` (apply the new standard of every
// area type: raised, withdrawn, kept — the same figures simulate prints for it).
import { Command } from 'commander';
import { loadDeploymentConfig, type AreaType } from '@ew/config';
import { simulateRules, type SimulationCounts } from '@ew/pipeline/rules/simulate';
import { runStandardChange, runStandardChanges } from '@ew/pipeline/rules/standard-change';
import { cliOperator, withApp } from '../app.ts';
import { num, table } from '../format.ts';
import { userPath } from '../paths.ts';
import { appliedChangeTable, simulatedChangeTable, withdrawnTable } from './standard-change-table.ts';

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
            'standard change under the proposed config (what `rules standard-change` would do), households:',
            simulatedChangeTable(result.standardChange),
            '',
          ].join('\n'),
        );
      });
    });
  rules
    .command('standard-change')
    .description(
      'apply a new low-income standard: INCOME_MARGINAL raised for households now qualifying, withdrawn for those no longer qualifying (every area type whose standard takes effect on the date, or --area)',
    )
    .requiredOption('--from <date>', 'the effective date of the new standard (as in the deployment config)')
    .option('--area <type>', 'URBAN | RURAL (default: every area type with a standard from that date)')
    .option('--list <n>', 'households no longer qualifying to list: a number, or all', '20')
    .option('--json', 'as JSON')
    .action(async (opts: { area?: string; from: string; list: string; json?: boolean }) => {
      if (opts.area !== undefined && opts.area !== 'URBAN' && opts.area !== 'RURAL')
        throw new Error('--area must be URBAN or RURAL');
      const limit = opts.list === 'all' ? null : Number(opts.list);
      if (limit !== null && !(Number.isInteger(limit) && limit >= 0))
        throw new Error('--list must be a whole number or all');
      await withApp(async ({ ctx }) => {
        const options = { actor: cliOperator().actor };
        const outcomes =
          opts.area === undefined
            ? await runStandardChanges(ctx, { effectiveFrom: opts.from }, options)
            : [
                await runStandardChange(
                  ctx,
                  { areaType: opts.area as AreaType, effectiveFrom: opts.from },
                  options,
                ),
              ];
        if (opts.json) {
          process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
          return;
        }
        const withdrawn = outcomes.flatMap((o) => (o.outcome === 'evaluated' ? o.withdrawn : []));
        const lines = [appliedChangeTable(outcomes), ''];
        if (withdrawn.length > 0) {
          lines.push(
            `no longer qualifying for INCOME_MARGINAL 不再符合低保边缘条件 (signal withdrawn 信号已撤销): ${num(withdrawn.length)}`,
            withdrawnTable(withdrawn, limit),
            '',
          );
        }
        process.stdout.write(lines.join('\n'));
      });
    });
  return rules;
}
