// `report stats|monthly|platform|outcomes`: the statistics table of a period (printed, and as CSV
// and XLSX files), the monthly work report (Markdown), the provincial platform export (audited)
// and the outcome feedback. File paths resolve against the caller's directory (pnpm runs the CLI
// from the repository root; INIT_CWD is where `pnpm cli` was typed).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Database, UserRole } from '@ew/db';
import {
  computeStats,
  monthlyReport,
  OUTCOME_DIMENSIONS,
  outcomeFeedback,
  outcomesCsv,
  periodLine,
  platformExport,
  statsColumns,
  statsCsv,
  statsXlsx,
  STATS_TITLE,
  type OutcomeDimension,
} from '@ew/reports';
import { withApp } from '../app.ts';
import { table } from '../format.ts';

const callerPath = (file: string) => resolve(process.env.INIT_CWD ?? process.cwd(), file);

async function save(file: string, body: string | Buffer): Promise<void> {
  const path = callerPath(file);
  await writeFile(path, body);
  process.stderr.write(`wrote ${path}\n`);
}

function statsCommand(): Command {
  return new Command('stats')
    .description('社会救助扩围增效工作统计表 of a reporting period (YYYY-MM-14 or YYYY-MM-28)')
    .requiredOption(
      '--period <period>',
      'YYYY-MM-14 (29th of the previous month – 14th) or YYYY-MM-28 (15th – 28th)',
    )
    .option('--csv <file>', 'also write the table as CSV')
    .option('--xlsx <file>', 'also write the table as XLSX')
    .option('--json', 'print the table as JSON')
    .action(async (opts: { period: string; csv?: string; xlsx?: string; json?: boolean }) => {
      await withApp(async ({ ctx }) => {
        const t = await computeStats(ctx.database.db, opts.period);
        if (opts.json) process.stdout.write(JSON.stringify(t, null, 2) + '\n');
        else {
          const columns = statsColumns(t.codes);
          process.stdout.write(`${STATS_TITLE}\n${periodLine(t)}\n\n`);
          // the terminal shows the columns one per line, the towns across
          const rows = [...t.towns, t.total];
          process.stdout.write(
            table(
              ['', ...rows.map((r) => r.town)],
              columns.slice(1).map((c) => [c.header, ...rows.map((r) => c.value(r))]),
            ) + '\n',
          );
        }
        if (opts.csv) await save(opts.csv, statsCsv(t));
        if (opts.xlsx) await save(opts.xlsx, await statsXlsx(t));
      });
    });
}

function monthlyCommand(): Command {
  return new Command('monthly')
    .description('工作落实情况报告 of a month as Markdown (a draft to edit)')
    .requiredOption('--month <month>', 'YYYY-MM')
    .option('--out <file>', 'write it to a file (default: stdout)')
    .option('--large-aid <cny>', 'list aid at or above this amount', '5000')
    .action(async (opts: { month: string; out?: string; largeAid: string }) => {
      await withApp(async ({ ctx }) => {
        const md = await monthlyReport(ctx.database.db, opts.month, {
          largeAidThreshold: Number(opts.largeAid),
          district: ctx.config.district,
        });
        if (opts.out) await save(opts.out, md);
        else process.stdout.write(md);
      });
    });
}

/** The role of the named user (for full ID numbers); null without one. */
async function roleOf(db: Database, username: string | undefined): Promise<UserRole | null> {
  if (username === undefined) return null;
  const user = await db
    .selectFrom('users')
    .select('role')
    .where('username', '=', username)
    .where('active', '=', true)
    .executeTakeFirst();
  if (user === undefined) throw new Error(`no active user ${username}`);
  return user.role;
}

function platformCommand(): Command {
  return new Command('platform')
    .description('provincial platform export of a period: inclusions and aid cases (audited)')
    .requiredOption('--period <period>', 'YYYY-MM-14 or YYYY-MM-28')
    .requiredOption('--out <file>', 'the file to write (.csv or .xlsx)')
    .option(
      '--user <username>',
      'export as this user: full ID numbers for SUPERVISOR and ADMIN, masked otherwise',
    )
    .action(async (opts: { period: string; out: string; user?: string }) => {
      await withApp(async ({ ctx }) => {
        const db = ctx.database.db;
        const format = opts.out.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
        const result = await platformExport(db, {
          period: opts.period,
          format,
          actor: {
            username: opts.user ?? `cli:${process.env.USER ?? 'unknown'}`,
            role: await roleOf(db, opts.user),
          },
        });
        await save(opts.out, result.body);
        process.stderr.write(`${result.rows} rows, ID numbers ${result.fullIds ? 'in full' : 'masked'}\n`);
      });
    });
}

function outcomesCommand(): Command {
  return new Command('outcomes')
    .description('outcome feedback: what the alerts led to, per rule code, feed or town')
    .addOption(
      new Option('--by <dimension>', 'code | feed | town').choices(OUTCOME_DIMENSIONS).default('code'),
    )
    .option('--from <date>', 'alerts raised from this day (YYYY-MM-DD, Asia/Shanghai)')
    .option('--to <date>', 'to this day, inclusive; outcomes as of its end')
    .option('--csv <file>', 'also write it as CSV')
    .option('--json', 'print it as JSON')
    .action(
      async (opts: { by: OutcomeDimension; from?: string; to?: string; csv?: string; json?: boolean }) => {
        await withApp(async ({ ctx }) => {
          const f = await outcomeFeedback(ctx.database.db, {
            by: opts.by,
            ...(opts.from ? { fromDay: opts.from } : {}),
            ...(opts.to ? { toDay: opts.to } : {}),
          });
          if (opts.json) process.stdout.write(JSON.stringify(f, null, 2) + '\n');
          else {
            process.stdout.write(
              table(
                [
                  opts.by,
                  'name',
                  'alerts',
                  'helped',
                  'not eligible',
                  'not found',
                  'open',
                  'help rate',
                  'median days',
                ],
                f.rows.map((r) => [
                  r.key,
                  r.label,
                  r.alerts,
                  r.helped,
                  r.notEligible,
                  r.notFound,
                  r.open,
                  r.helpRate === null ? null : `${(r.helpRate * 100).toFixed(1)}%`,
                  r.medianDaysToClose,
                ]),
              ) + '\n',
            );
          }
          if (opts.csv) await save(opts.csv, outcomesCsv(f));
        });
      },
    );
}

export function reportCommand(): Command {
  return new Command('report')
    .description('statistics table, monthly report, platform export, outcome feedback')
    .addCommand(statsCommand())
    .addCommand(monthlyCommand())
    .addCommand(platformCommand())
    .addCommand(outcomesCommand());
}
