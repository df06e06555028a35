// `demo`: the main job on the bundled sample data — register snapshot, the five feeds through
// import → match → rules → alerts/tasks — then a summary per town, and the demo users (one per
// role, one caseworker per town of the register) with the demo password, printed once: a second
// demo leaves existing users as they are.
import { join } from 'node:path';
import { Command } from 'commander';
import { sql } from 'kysely';
import { DEMO_PASSWORD, ensureDemoUsers } from '@ew/accounts';
import { cliOperator, withApp, startCliRuntime, type CliApp } from '../app.ts';
import { table } from '../format.ts';
import { userPath } from '../paths.ts';
import { formatRegisterResult, loadRegister } from './register.ts';
import { formatReport, importAndWait } from './import.ts';

/** The sample's extracts are all dated the end of March 2023. */
const SAMPLE_AS_OF = '2023-03-31';

const SAMPLE_FEEDS: Array<{ feed: string; file: string; period: string }> = [
  { feed: 'education', file: 'education.csv', period: '2023-03-31' },
  { feed: 'hr', file: 'hr.csv', period: '2023-03-31' },
  { feed: 'housing', file: 'housing.xlsx', period: '2023-03-31' },
  { feed: 'medical', file: 'medical.csv', period: '2023-03-31' },
  { feed: 'rural', file: 'rural.csv', period: '2023-03-31' },
];

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole pipeline on the bundled sample data (infra/sample) and print a summary')
    .option('--dir <dir>', 'sample directory (default: infra/sample of the repository)')
    .action(async (opts: { dir?: string }) => {
      await withApp(async (app) => {
        const dir = opts.dir ? userPath(opts.dir) : join(app.env.APP_ROOT, 'infra/sample');
        const started = Date.now();
        const register = await loadRegister(app, join(dir, 'register.csv'), SAMPLE_AS_OF);
        process.stdout.write(formatRegisterResult('register.csv', register) + '\n\n');
        const { runtime } = await startCliRuntime(app, 'inline');
        try {
          for (const f of SAMPLE_FEEDS) {
            const report = await importAndWait(
              app,
              { feed: f.feed, period: f.period, file: join(dir, f.file), replace: false },
              { wait: true, mode: 'inline', quiet: false, runtime },
            );
            if (report) process.stdout.write(formatReport(report) + '\n\n');
          }
        } finally {
          await runtime.close();
        }
        process.stdout.write(await summary(app));
        const created = await ensureDemoUsers(app.ctx.database.db, cliOperator());
        process.stdout.write(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)}s\n\n`);
        process.stdout.write(
          created.length === 0
            ? 'The demo users exist already (passwords unchanged): see `pnpm cli users list`.\n'
            : `Demo users (password ${DEMO_PASSWORD}, shown once):\n` +
                table(
                  ['username', 'role', 'town', 'name', 'password'],
                  created.map((u) => [u.username, u.role, u.town, u.displayName, DEMO_PASSWORD]),
                ) +
                '\n',
        );
        process.stdout.write(
          '\nThen `npx --yes pnpm@12.4.2 api` and open http://127.0.0.1:3000 to sign in to the console as one of these users.\n',
        );
      });
    });
}

async function summary(app: CliApp): Promise<string> {
  const db = app.ctx.database.db;
  const methods = await db
    .selectFrom('matches')
    .innerJoin('imports', 'imports.id', 'matches.import_id')
    .select(['method', sql<number>`count(*)::int`.as('n')])
    .where('imports.status', '<>', 'REPLACED')
    .groupBy('method')
    .orderBy('n', 'desc')
    .execute();
  const towns = await sql<{
    town: string;
    households: number;
    alerts: number;
    high: number;
    tasks: number;
    open: number;
  }>`
    select t.name as town,
           (select count(*) from households h where h.town_id = t.id and h.active)::int as households,
           (select count(*) from alerts a join households h on h.id = a.household_id where h.town_id = t.id)::int as alerts,
           (select count(*) from alerts a join households h on h.id = a.household_id where h.town_id = t.id and a.severity = 'high')::int as high,
           (select count(*) from tasks k where k.town_id = t.id)::int as tasks,
           (select count(*) from tasks k where k.town_id = t.id and k.status <> 'CLOSED')::int as open
      from towns t order by t.name`.execute(db);
  const codes = await db
    .selectFrom('signals')
    .select(['code', sql<number>`count(*)::int`.as('n')])
    .groupBy('code')
    .orderBy('code')
    .execute();
  const total = towns.rows.reduce(
    (acc, r) => ({
      households: acc.households + r.households,
      alerts: acc.alerts + r.alerts,
      high: acc.high + r.high,
      tasks: acc.tasks + r.tasks,
      open: acc.open + r.open,
    }),
    { households: 0, alerts: 0, high: 0, tasks: 0, open: 0 },
  );
  return [
    'Matching (all live deliveries):',
    table(
      ['method', 'rows'],
      methods.map((m) => [m.method, m.n]),
    ),
    '',
    'Signals by rule:',
    table(
      ['code', 'signals'],
      codes.map((c) => [c.code, c.n]),
    ),
    '',
    'Alerts and tasks per town:',
    table(
      ['town', 'households', 'alerts', 'high', 'tasks', 'open'],
      [
        ...towns.rows.map((r) => [r.town, r.households, r.alerts, r.high, r.tasks, r.open]),
        ['total', total.households, total.alerts, total.high, total.tasks, total.open],
      ],
    ),
    '',
  ].join('\n');
}
