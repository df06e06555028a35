// `pnpm bench report [--tasks 1000000] [--periods 2023-11-28,2023-06-14] [--runs 3] [--keep]
// [--database NAME]`:
// the statistics table (issue 13) over a year of casework written in bulk SQL into a fresh
// database: --tasks tasks (one household and person each) spread over 2023 in 12 towns, with
// their task events (open, some deadlines moved, 5 % transferred, claim, start_visit, close —
// 一事一议 through approval — and 8 % never closed), one alert per task with one or two signals,
// and as many matches spread over the year. VACUUM ANALYZE (what autovacuum leaves a long-lived
// database in), then the seconds computeStats takes per period, --runs times each.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { ensureDatabase, migrateToLatest, openDatabase, type DatabaseHandle } from '@ew/db';
import { computeStats } from '@ew/reports';
import { databaseUrl, round2, round3, trackLoad } from '../lib/env.ts';
import { dropDatabase } from '../lib/db.ts';
import { log } from '../lib/data.ts';
import { load, printPairs, printTable, type Args, writeJson } from '../lib/report.ts';

const TOWNS = 12;

/** One statement per table; `n` tasks. */
function fillStatements(n: number): Array<[string, string]> {
  return [
    ['seed', `select setseed(0.42)`],
    [
      'towns',
      `insert into towns (name) select '镇' || lpad(g::text, 2, '0') from generate_series(1, ${TOWNS}) g`,
    ],
    [
      'households',
      `insert into households (id, household_no, town_id, village, area_type, address, monthly_income,
                               assistance_status, member_count)
       select g, 'B' || g, 1 + g % ${TOWNS}, '村', 'URBAN', null, 1000, 'NONE', 1 from generate_series(1, ${n}) g`,
    ],
    [
      'persons',
      `insert into persons (id, id_number, name, name_norm, name_pinyin, gender, birth_date, household_id, relation)
       select g, 'P' || g, '某', '某', 'mou', 'M', '1980-01-01', g, 'HEAD' from generate_series(1, ${n}) g`,
    ],
    [
      'plan',
      // task ids in order of opening, as the sequence hands them out (ids, events, alerts and
      // signals then lie in time order on disk, as in a real database); households at random
      `create unlogged table bench_plan as
       select row_number() over (order by created) as g, k as household, created, sev, town,
              r_open < 0.08 as stays_open,
              created + make_interval(secs => 3600 + r_close * 30 * 86400) as close_at,
              case when r_out < 0.15 then 'INCLUDED_MARGINAL' when r_out < 0.25 then 'REFERRED_DIBAO'
                   when r_out < 0.35 then 'TEMP_AID_EMERGENCY' when r_out < 0.45 then 'TEMP_AID_EXPENSE'
                   when r_out < 0.50 then 'CASE_BY_CASE' when r_out < 0.90 then 'NOT_ELIGIBLE'
                   else 'NOT_FOUND' end as outcome,
              round((200 + r_amount * 20000)::numeric, 2) as amount,
              r_transfer < 0.05 as transferred, r_moved < 0.10 as moved,
              created + make_interval(days => case sev when 'high' then 3 when 'medium' then 10 else 20 end) as due
         from (select k, timestamptz '2023-01-01 00:00+08' + make_interval(secs => random() * 365 * 86400) as created,
                      (array['low', 'medium', 'high'])[1 + k % 3] as sev, 1 + k % ${TOWNS} as town,
                      random() as r_open, random() as r_close, random() as r_out, random() as r_amount,
                      random() as r_transfer, random() as r_moved
                 from generate_series(1, ${n}) k) x`,
    ],
    [
      'tasks',
      `insert into tasks (id, household_id, town_id, status, severity, due_at, outcome, aid_amount, created_at, closed_at, source)
       select g, household, case when transferred then 1 + town % ${TOWNS} else town end,
              case when stays_open then 'IN_PROGRESS' else 'CLOSED' end, sev,
              case when transferred then created + interval '10 days 30 minutes' else due end,
              case when stays_open then null else outcome end,
              case when not stays_open and outcome in ('TEMP_AID_EMERGENCY', 'TEMP_AID_EXPENSE', 'CASE_BY_CASE') then amount end,
              created, case when stays_open then null else close_at end, 'ALERT'
         from bench_plan`,
    ],
    ['tasks_seq', `select setval(pg_get_serial_sequence('tasks', 'id'), ${n})`],
    [
      'task_events',
      `insert into task_events (task_id, from_status, to_status, action, actor, town_id, detail, at)
       select * from (
         select g, null, 'NEW', 'open', 'system', town,
                jsonb_build_object('dueAt', due, 'source', 'ALERT'), created from bench_plan
         union all
         select g, 'NEW', 'NEW', 'signals_attached', 'system', null,
                jsonb_build_object('dueAt', created + interval '3 days'), created + interval '10 minutes'
           from bench_plan where moved
         union all
         select g, 'NEW', 'TRANSFERRED', 'transfer', 'u', null, jsonb_build_object('toTownId', 1 + town % ${TOWNS}),
                created + interval '30 minutes' from bench_plan where transferred
         union all
         select g, 'TRANSFERRED', 'NEW', 'transfer', 'u', 1 + town % ${TOWNS},
                jsonb_build_object('dueAt', created + interval '10 days 30 minutes', 'fromTownId', town),
                created + interval '30 minutes' from bench_plan where transferred
         union all
         select g, 'NEW', 'ASSIGNED', 'claim', 'u', null, '{}', created + interval '40 minutes' from bench_plan
         union all
         select g, 'ASSIGNED', 'IN_PROGRESS', 'start_visit', 'u', null, '{}', created + interval '50 minutes' from bench_plan
         union all
         select g, 'IN_PROGRESS', case when outcome = 'CASE_BY_CASE' then 'PENDING_APPROVAL' else 'CLOSED' end, 'close', 'u', null,
                jsonb_build_object('outcome', outcome, 'aidAmount',
                  case when outcome in ('TEMP_AID_EMERGENCY', 'TEMP_AID_EXPENSE', 'CASE_BY_CASE') then amount end),
                close_at - case when outcome = 'CASE_BY_CASE' then interval '55 minutes' else interval '0' end
           from bench_plan where not stays_open
         union all
         select g, 'PENDING_APPROVAL', 'CLOSED', 'approve', 'u', null,
                jsonb_build_object('outcome', outcome, 'aidAmount', amount), close_at
           from bench_plan where not stays_open and outcome = 'CASE_BY_CASE'
       ) e order by 8`,
    ],
    [
      'alerts',
      `insert into alerts (id, household_id, task_id, severity, status, created_at, updated_at)
       select g, household, g, sev, case when stays_open then 'OPEN' else 'CLOSED' end, created, created from bench_plan order by created`,
    ],
    [
      'signals',
      `insert into signals (id, feed, person_id, household_id, code, source_period, severity, evidence, created_at)
       select 2 * g - k, (array['education', 'hr', 'housing', 'medical', 'rural'])[1 + (g + k) % 5], household, household,
              (array['EDU_DROPOUT', 'HR_UNEMPLOYED', 'HOUSING_DANGER', 'MED_EXPENSE', 'RURAL_RISK'])[1 + (g + k) % 5],
              (created at time zone 'Asia/Shanghai')::date, sev, '{}', created - interval '1 minute'
         from bench_plan, generate_series(0, case when g % 3 = 0 then 1 else 0 end) k order by created`,
    ],
    [
      'alert_signals',
      `insert into alert_signals (signal_id, alert_id) select id, (id + 1) / 2 from signals order by id`,
    ],
    [
      'matches',
      `insert into matches (import_id, row_no, person_id, method, score, evidence, matched_at)
       select 1 + g % 24, g, 1 + (g::bigint * 7919) % ${n}, 'ID', 1, '{}', at
         from (select g, timestamptz '2023-01-01 00:00+08' + make_interval(secs => random() * 365 * 86400) as at
                 from generate_series(1, ${n}) g) x order by at`,
    ],
    ['drop plan', `drop table bench_plan`],
  ];
}

/** CPU seconds (user + system) a local process has used so far: /proc/<pid>/stat fields 14 and 15. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function fill(handle: DatabaseHandle, n: number): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  for (const [name, statement] of fillStatements(n)) {
    const started = performance.now();
    await handle.pool.query(statement);
    seconds[name] = round2((performance.now() - started) / 1000);
    log(`  ${name}: ${seconds[name]} s`);
  }
  return seconds;
}

export async function reportBench(args: Args): Promise<void> {
  const tasks = args.number('tasks', 1_000_000);
  const runs = args.number('runs', 3);
  const periods = args.string('periods', '2023-11-28,2023-06-14,2023-01-14').split(',');
  // --database NAME: measure again on a database a run kept (--keep), without filling it
  const reuse = args.string('database', '');
  const dbName = reuse || `ew_bench_report_${Date.now().toString(36)}_${process.pid}`;
  if (!reuse) await ensureDatabase(databaseUrl(dbName));
  // one connection: the statement runs in the backend whose CPU time is read (Postgres is local)
  const handle = openDatabase(databaseUrl(dbName), { max: 1, applicationName: 'ew-bench-report' });
  try {
    await migrateToLatest(handle.db);
    let fillSeconds: Record<string, number> | null = null;
    let totalFill: number | null = null;
    if (!reuse) {
      log(`report: filling ${tasks.toLocaleString()} tasks with their events, alerts, signals and matches …`);
      const fillStarted = performance.now();
      fillSeconds = await fill(handle, tasks);
      totalFill = round2((performance.now() - fillStarted) / 1000);
      log('report: vacuum analyze …');
      await handle.pool.query('vacuum analyze');
    }
    const { rows: counts } = await sql<Record<string, number>>`
      select (select count(*) from tasks) as tasks, (select count(*) from task_events) as task_events,
             (select count(*) from alerts) as alerts, (select count(*) from signals) as signals,
             (select count(*) from matches) as matches`.execute(handle.db);
    const { rows: pidRow } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
    const pid = pidRow[0]!.pid;
    const loadAvg = trackLoad();
    const measured: Array<{
      period: string;
      seconds: number[];
      backend_cpu_seconds: Array<number | null>;
      best: number;
      median: number;
      total: unknown;
    }> = [];
    for (const period of periods) {
      const seconds: number[] = [];
      const cpu: Array<number | null> = [];
      let total: unknown = null;
      for (let i = 0; i < runs; i++) {
        const cpuStart = cpuSeconds(pid);
        const started = performance.now();
        const table = await computeStats(handle.db, period);
        seconds.push(round3((performance.now() - started) / 1000));
        const cpuEnd = cpuSeconds(pid);
        cpu.push(cpuStart === null || cpuEnd === null ? null : round2(cpuEnd - cpuStart));
        total = table.total;
      }
      const sorted = [...seconds].sort((a, b) => a - b);
      measured.push({
        period,
        seconds,
        backend_cpu_seconds: cpu,
        best: sorted[0]!,
        median: sorted[Math.floor(sorted.length / 2)]!,
        total,
      });
    }
    const l = loadAvg.done();
    printTable(
      `report: one period's statistics table over ${tasks.toLocaleString()} tasks (target < 2 s)`,
      [
        'period',
        'runs (s)',
        'Postgres CPU s',
        'best s',
        'median s',
        'opened',
        'closed',
        'open at end',
        'overdue',
      ],
      measured.map((m) => {
        const t = m.total as {
          tasksOpened: number;
          tasksClosed: number;
          tasksOpenAtEnd: number;
          tasksOverdueAtEnd: number;
        };
        return [
          m.period,
          m.seconds.join(' / '),
          m.backend_cpu_seconds.join(' / '),
          m.best,
          m.median,
          t.tasksOpened,
          t.tasksClosed,
          t.tasksOpenAtEnd,
          t.tasksOverdueAtEnd,
        ];
      }),
    );
    printPairs('data', [
      ...Object.entries(counts[0] ?? {}).map(([k, v]) => [k, Number(v)] as const),
      ['fill seconds', totalFill],
      ['load average 1/5/15', load(l)],
    ]);
    await writeJson(args.jsonPath('report'), 'report', {
      tasks,
      reused_database: reuse || null,
      runs,
      counts: counts[0],
      fill_seconds: fillSeconds,
      periods: measured,
      load_average: l,
    });
  } finally {
    await handle.close();
    if (args.flag('keep') || reuse) log(`kept database ${dbName} (DATABASE_URL=${databaseUrl(dbName)})`);
    else await dropDatabase(dbName);
  }
}
