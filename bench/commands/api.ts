// `pnpm bench api [--tasks 1000000] [--towns 20] [--connections 50] [--duration 20] [--json PATH]
// [--keep] [--database NAME] [--only queue,filtered,detail] [--read-cache MB]`: the caseworker's
// console under load (issue 11). `--read-cache 0` runs the API without its kept pages
// (API_READ_CACHE_MB; default the API's own, 64): every request then builds its page. `--database`
// measures a database an earlier run kept, without filling it; BENCH_API_NODE_OPTIONS (e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof`) are added to the API process's node flags. Fills its own database with `--tasks`
// tasks over `--towns` towns — each with a household of two, one to three signals grouped into one
// alert, and its open event — in bulk SQL, ANALYZEs, starts the real API as its own process on
// 127.0.0.1, and with autocannon measures, one after the other:
//   queue     a caseworker's first queue page        GET /tasks
//   filtered  a filtered page                        GET /tasks?code=MED_EXPENSE&overdue=true
//   detail    a task page (1,000 tasks in rotation)  GET /tasks/:id
// Latencies are every response's own time (autocannon's `response` events), so p95 is exact.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createUser } from '@ew/accounts';
import { ensureDatabase, migrateToLatest, openDatabase, type DatabaseHandle } from '@ew/db';
import { databaseUrl, redisUrl, ROOT, round2, trackLoad } from '../lib/env.ts';
import { log } from '../lib/data.ts';
import { dropDatabase } from '../lib/db.ts';
import { load, printTable, writeJson, type Args } from '../lib/report.ts';

const CODES = [
  'EDU_DROPOUT',
  'EDU_EXPENSE',
  'HR_UNEMPLOYED',
  'MED_EXPENSE',
  'ASSET_REVIEW',
  'INCOME_MARGINAL',
];

/** Towns, households (two members), tasks (70 % open), alerts, signals, links and events, in SQL. */
async function fill(db: DatabaseHandle, tasks: number, towns: number): Promise<void> {
  const q = (text: string) => db.pool.query(text);
  await q(
    `insert into towns (name) select '测试镇' || lpad(i::text, 2, '0') from generate_series(1, ${towns}) i`,
  );
  await q(`
    insert into households (id, household_no, town_id, village, area_type, address, monthly_income,
                            assistance_status, member_count)
    select i, 'B' || lpad(i::text, 12, '0'),
           (select min(id) from towns) + i % ${towns},
           '第' || (i / ${towns} / 10) % 40 || '村', case when i % 3 = 0 then 'RURAL' else 'URBAN' end,
           '测试路' || i || '号', 800 + i % 3000, 'NONE', 2
      from generate_series(1, ${tasks}) i`);
  await q(`
    insert into persons (id_number, name, name_norm, name_pinyin, gender, birth_date, household_id, relation)
    select lpad((h * 2 + k)::text, 17, '0') || 'X', '张' || k, '张' || k, 'zhang', case k when 0 then 'M' else 'F' end,
           date '1970-01-01' + (h % 9000) + k * 9000, h, case k when 0 then 'HEAD' else 'CHILD' end
      from generate_series(1, ${tasks}) h, generate_series(0, 1) k`);
  // codes: 1–3 distinct of six, by the task number; 30 % closed; deadlines from 10 days ago to 30 ahead
  await q(`
    insert into tasks (id, household_id, town_id, status, severity, due_at, codes, closed_at, outcome, created_at)
    select i, i, (select min(id) from towns) + i % ${towns},
           case when (i / ${towns}) % 10 < 3 then 'CLOSED' when (i / ${towns}) % 10 < 6 then 'NEW' when (i / ${towns}) % 10 < 8 then 'ASSIGNED' else 'IN_PROGRESS' end,
           case when i % 7 < 4 then 'high' when i % 7 < 6 then 'medium' else 'low' end,
           now() + make_interval(days => (i % 40) - 10),
           (select array_agg(c order by c) from (
              select distinct (array[${CODES.map((c) => `'${c}'`).join(',')}])[1 + (i * (n + 3) + n) % 6] as c
                from generate_series(0, i % 3) n) x),
           case when (i / ${towns}) % 10 < 3 then now() - interval '1 day' end,
           case when (i / ${towns}) % 10 < 3 then 'NOT_ELIGIBLE' end,
           now() - interval '20 days'
      from generate_series(1, ${tasks}) i`);
  await q(`
    insert into alerts (id, household_id, task_id, severity, status)
    select id, household_id, id, severity, case when status = 'CLOSED' then 'CLOSED' else 'OPEN' end from tasks`);
  await q(`
    insert into signals (feed, person_id, household_id, code, source_period, severity, evidence)
    select 'medical', p.id, t.household_id, c.code, date '2023-06-30', t.severity, '{}'::jsonb
      from tasks t
      join persons p on p.household_id = t.household_id and p.relation = 'HEAD'
      cross join lateral unnest(t.codes) as c(code)`);
  await q(`
    insert into alert_signals (signal_id, alert_id) select s.id, s.household_id from signals s`);
  await q(`
    insert into task_events (task_id, from_status, to_status, action, actor, town_id, detail, at)
    select id, null, 'NEW', 'open', 'system', town_id, jsonb_build_object('dueAt', due_at), created_at from tasks`);
  for (const seq of ['households_id_seq', 'tasks_id_seq', 'alerts_id_seq']) {
    await q(`select setval('${seq}', (select max(id) from ${seq.replace('_id_seq', '')}))`);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function startApi(
  dbName: string,
  port: number,
  nodeOptions: string[],
  readCacheMb: string,
): Promise<ChildProcess> {
  const main = join(ROOT, 'services/api/src/main.ts');
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', main], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl(dbName),
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: `bench-api-${Date.now().toString(36)}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      LOG_LEVEL: process.env['BENCH_API_LOG_LEVEL'] ?? 'warn',
      MIGRATE_ON_START: 'false',
      NODE_ENV: 'development',
      ...(readCacheMb === '' ? {} : { API_READ_CACHE_MB: readCacheMb }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status < 500) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('the API did not start within 20 s');
}

interface Measured {
  request: string;
  path: string;
  requests: number;
  non_2xx: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Percent of the pages the API sent during the run that were kept ones (its ew_api_read_cache_total). */
  kept_percent?: number;
  /** The API process's CPU time (user + system) over the run, per request. */
  api_cpu_ms_per_request?: number;
  /** Every postgres process's CPU time over the run (the server is this machine's), per request. */
  postgres_cpu_ms_per_request?: number;
  /** This process's (autocannon's) CPU time, per request. */
  load_generator_cpu_ms_per_request?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A process's CPU time so far (user + system, ms), from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; [0] here is field 3
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** /proc reports CPU time in USER_HZ ticks: 100 a second on Linux (getconf CLK_TCK here: 100). */
const CLOCK_TICKS = 100;

/** The CPU time so far of every process named postgres on this machine, by pid (ms). */
function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      byPid.set(Number(entry), processCpuMs(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/**
 * The postgres CPU spent between two samples: per process, so that one which ended meanwhile (an
 * autovacuum worker) does not take its whole past off the sum; one that started counts whole.
 */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpuByPid()) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** How many responses of `route` the API has sent so far, and how many of them as kept pages (its /metrics). */
async function keptCount(
  port: number,
  opsToken: string,
  route: string,
): Promise<{ kept: number; all: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${opsToken}` },
  });
  const counted = { kept: 0, all: 0 };
  for (const line of (await res.text()).split('\n')) {
    const m = /^ew_api_read_cache_total\{route="([^"]+)",result="(\w+)"\} (\d+)$/.exec(line);
    if (m === null || m[1] !== route) continue;
    counted.all += Number(m[3]);
    if (m[2] === 'hit') counted.kept += Number(m[3]);
  }
  return counted;
}

async function measure(
  name: string,
  port: number,
  token: string,
  paths: string[],
  connections: number,
  duration: number,
): Promise<Measured> {
  const times: number[] = [];
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration,
        headers: { authorization: `Bearer ${token}` },
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }),
          },
        ],
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  return {
    request: name,
    path: paths[0]!,
    requests: result.requests.total,
    non_2xx: result.non2xx,
    rps: round2(result.requests.total / duration),
    p50_ms: round2(percentile(times, 50)),
    p95_ms: round2(percentile(times, 95)),
    p99_ms: round2(percentile(times, 99)),
    max_ms: round2(times.at(-1) ?? 0),
  };
}

export async function apiBench(args: Args): Promise<void> {
  const tasks = args.number('tasks', 1_000_000);
  const towns = args.number('towns', 20);
  const connections = args.number('connections', 50);
  const duration = args.number('duration', 20);
  const reuse = args.string('database', '');
  const nodeOptions = (process.env['BENCH_API_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean);
  const dbName = reuse || `ew_bench_api_${Date.now().toString(36)}`;
  if (!reuse) await ensureDatabase(databaseUrl(dbName));
  const db = openDatabase(databaseUrl(dbName), { applicationName: 'ew-bench-api' });
  let api: ChildProcess | undefined;
  try {
    await migrateToLatest(db.db);
    let fillSeconds = 0;
    if (!reuse) {
      log(`api: filling ${tasks.toLocaleString()} tasks over ${towns} towns …`);
      const t0 = Date.now();
      await fill(db, tasks, towns);
      await db.pool.query('analyze');
      fillSeconds = round2((Date.now() - t0) / 1000);
      log(`api: filled and analyzed in ${fillSeconds} s (database ${dbName})`);
    }
    const town = await db.db
      .selectFrom('towns')
      .select(['id', 'name'])
      .orderBy('id')
      .executeTakeFirstOrThrow();
    // a kept database (--database) holds the last run's user: a new token each run
    await db.db.deleteFrom('users').where('username', '=', 'bench-cw').execute();
    const { token } = await createUser(
      db.db,
      { username: 'bench-cw', displayName: 'bench', role: 'CASEWORKER', townName: town.name, token: true },
      { actor: 'bench', actorUserId: null },
    );
    if (token === null || token === undefined) throw new Error('createUser gave no token');
    // to read the API's own counters of kept pages (/metrics is for OPS)
    await db.db.deleteFrom('users').where('username', '=', 'bench-ops').execute();
    const { token: opsToken } = await createUser(
      db.db,
      { username: 'bench-ops', displayName: 'bench', role: 'OPS', token: true },
      { actor: 'bench', actorUserId: null },
    );
    const detailIds = await sql<{ id: number }>`
      select id from tasks where town_id = ${town.id} and status <> 'CLOSED' order by id limit 1000`.execute(
      db.db,
    );
    const port = await freePort();
    const readCacheMb = args.string('read-cache', '');
    api = await startApi(dbName, port, nodeOptions, readCacheMb);
    const apiPid = api.pid!;
    const loadAvg = trackLoad();
    const results: Measured[] = [];
    const only = args.string('only', '').split(',').filter(Boolean);
    const scenarios: Array<[string, string, string[]]> = (
      [
        ['queue', '/tasks', ['/tasks']],
        ['filtered', '/tasks', ['/tasks?code=MED_EXPENSE&overdue=true']],
        ['detail', '/tasks/:id', detailIds.rows.map((r) => `/tasks/${r.id}`)],
      ] satisfies Array<[string, string, string[]]>
    ).filter(([name]) => only.length === 0 || only.includes(name));
    for (const [name, route, paths] of scenarios) {
      // a short warm-up so the first connections do not measure cold caches and JIT
      await measure(name, port, token, paths, 5, 2);
      log(`api: ${name} (${connections} connections, ${duration} s) …`);
      const cpuBefore = processCpuMs(apiPid);
      const ownBefore = process.cpuUsage();
      const pgBefore = postgresCpuByPid();
      const keptBefore = await keptCount(port, opsToken!, route);
      const measured = await measure(name, port, token, paths, connections, duration);
      const keptAfter = await keptCount(port, opsToken!, route);
      measured.kept_percent = round2(
        (100 * (keptAfter.kept - keptBefore.kept)) / (keptAfter.all - keptBefore.all),
      );
      const own = process.cpuUsage(ownBefore);
      measured.api_cpu_ms_per_request = round2((processCpuMs(apiPid) - cpuBefore) / measured.requests);
      measured.postgres_cpu_ms_per_request = round2(postgresCpuSince(pgBefore) / measured.requests);
      measured.load_generator_cpu_ms_per_request = round2((own.user + own.system) / 1000 / measured.requests);
      results.push(measured);
    }
    const l = loadAvg.done();
    printTable(
      `api: ${tasks.toLocaleString()} tasks, ${towns} towns (a town holds ${Math.round(tasks / towns).toLocaleString()}), ${connections} connections × ${duration} s`,
      [
        'request',
        'requests',
        'non-2xx',
        'rps',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'kept %',
        'CPU ms/req: API',
        'postgres',
        'autocannon',
      ],
      results.map((r) => [
        r.request,
        r.requests,
        r.non_2xx,
        r.rps,
        r.p50_ms,
        r.p95_ms,
        r.p99_ms,
        r.max_ms,
        r.kept_percent ?? '',
        r.api_cpu_ms_per_request,
        r.postgres_cpu_ms_per_request,
        r.load_generator_cpu_ms_per_request,
      ]),
    );
    process.stdout.write(`load average 1/5/15: ${load(l)}; fill + analyze ${fillSeconds} s\n`);
    await writeJson(args.jsonPath('api'), 'api', {
      tasks,
      towns,
      connections,
      duration_seconds: duration,
      read_cache_mb: readCacheMb === '' ? 'default' : Number(readCacheMb),
      fill_seconds: fillSeconds,
      results,
      load_average: l,
    });
  } finally {
    if (api !== undefined) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    await db.close();
    if (!args.flag('keep') && !reuse) await dropDatabase(dbName);
  }
}
