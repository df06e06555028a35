// `pnpm bench pipeline [--rows 1000000] [--register 1000000] [--workers 1|2] [--json PATH]`:
// the whole pipeline, import → match → rules → alerts/tasks, through the real queues and N worker
// processes (each consuming every queue: WORKER_QUEUES=all), then, in the same database on the
// same file, the raw-SQL floor (lib/floor.ts). ratio = pipeline_seconds / floor_seconds (target
// ≤ 3.0 at 1,000,000 rows). Then the output write floor (lib/write-floor.ts): the pipeline's own
// output rows written again by plain INSERT … SELECT; ratio_vs_write_floor = pipeline_seconds /
// write_floor_seconds. `--rows 100000,300000,1000000` prints rows/s per size (linearity).
import { measureMatchQuality } from '@ew/pipeline/match/quality';
import { join } from 'node:path';
import { BENCH_DIR, round2, trackLoad, type LoadRecord } from '../lib/env.ts';
import { ensureFeedData, log, readTruth } from '../lib/data.ts';
import { measureFloorMedian, type FloorResult } from '../lib/floor.ts';
import { measureWriteFloor, type WriteFloorResult } from '../lib/write-floor.ts';
import {
  analyzeBeforeMatch,
  importFigures,
  peakRssBetween,
  perSecond,
  requestFeedImport,
  startWorkers,
  waitForStatus,
  type StageTimes,
} from '../lib/pipeline.ts';
import { openSession } from '../lib/session.ts';
import { keyValues, load, percent, printPairs, printTable, type Args, writeJson } from '../lib/report.ts';

// Every queue, as a deployed replica runs them: registerApplied and standardChange get no jobs here
// (the template's register job is marked relayed; no standard takes effect after the register's
// load date).
const QUEUES = 'all';
const STAGES = ['staging', 'match', 'evaluate', 'alerts'] as const;

interface PipelineResult {
  rows: number;
  register_persons: number;
  workers: number;
  feed: string;
  file_mb: number;
  pipeline_seconds: number | null;
  floor_seconds: number;
  ratio: number | null;
  rows_per_second: number | null;
  stages: Record<
    string,
    { seconds: number | null; rows_per_second: number | null; busy_seconds: number | null }
  >;
  queued_seconds: number | null;
  experiment_analyze_seconds: number | null;
  worker_peak_rss_mb_by_stage: Record<string, number | null>;
  worker_peak_rss_mb: number;
  worker_cpu_seconds: number[];
  match_precision: number | null;
  match_recall: number | null;
  conflict_recall: number | null;
  review_rate: number | null;
  floor: FloorResult & { floor_seconds_runs: number[] };
  counts: Record<string, number>;
  matches: Record<string, number>;
  match_steps_seconds: Record<string, number>;
  alert_steps_seconds: Record<string, number>;
  staging_steps_seconds: Record<string, number>;
  signals: Record<string, number>;
  load_average: LoadRecord;
  load_average_floor: LoadRecord;
  write_floor_seconds: number;
  write_floor_tables: WriteFloorResult['write_floor_tables'];
  ratio_vs_write_floor: number | null;
  load_average_write_floor: LoadRecord;
}

export async function pipelineBench(args: Args): Promise<void> {
  const sizes = args.numbers('rows', 1_000_000);
  const persons = args.number('register', 1_000_000);
  const replicas = args.number('workers', 1);
  const seed = args.number('seed', 42);
  const feed = args.string('feed', 'hr');
  // experiment: ANALYZE staged_rows between the import and match stages (see analyzeBeforeMatch)
  const analyze = args.flag('analyze-after-staging');
  const jsonPath =
    args.string('json', '') === '' ? join(BENCH_DIR, 'results.json') : args.jsonPath('pipeline');
  const runs: PipelineResult[] = [];
  for (const rows of sizes) {
    const data = await ensureFeedData({ feed, persons, rows, seed });
    const s = await openSession(
      'pipeline',
      data,
      args.flag('keep'),
      args.string('setup-sql', '') || undefined,
    );
    try {
      const set = await startWorkers(s.be, QUEUES, replicas);
      s.workers.push(set);
      log(
        `pipeline: ${rows.toLocaleString()} rows against ${persons.toLocaleString()} persons, ${replicas} worker(s) …`,
      );
      const loadAvg = trackLoad();
      if (analyze) await s.runtime.queues.match.pause();
      const importId = await requestFeedImport(s.ctx, s.runtime, feed, data.feedFile);
      const analyzeSeconds = analyze ? await analyzeBeforeMatch(s.ctx, s.runtime, importId) : null;
      await waitForStatus(s.ctx, importId, 'EVALUATED', s.workers);
      const l = loadAvg.done();
      const [workers] = await s.stopAll();
      const fig = await importFigures(s.ctx, importId, [set]);
      const sp = (q: string) => fig.spans[q];
      const quality = await measureMatchQuality(s.ctx.database.db, importId, await readTruth(data.truthFile));

      log('floor: psql \\copy + join + INSERT … SELECT, 3 times …');
      await s.ctx.database.pool.query('checkpoint');
      const floorLoad = trackLoad();
      const idAliases = s.ctx.mappings.get(feed)?.fields['id_number']?.source ?? [];
      const floor = await measureFloorMedian(s.be.dbName, data, idAliases);
      const fl = floorLoad.done();

      log('write floor: INSERT … SELECT of the output rows into copies of their tables, once …');
      const writeLoad = trackLoad();
      const writeFloor = await measureWriteFloor(s.ctx.database.pool);
      const wl = writeLoad.done();

      const stages = Object.fromEntries(
        STAGES.map((st) => [
          st,
          {
            seconds: fig.times[st as keyof StageTimes],
            rows_per_second: perSecond(rows, fig.times[st as keyof StageTimes]),
            busy_seconds:
              workers?.busy_seconds[st === 'staging' ? 'import' : st === 'alerts' ? 'raiseAlerts' : st] ??
              null,
          },
        ]),
      );
      runs.push({
        rows,
        register_persons: persons,
        workers: replicas,
        feed,
        file_mb: round2(data.feedBytes / 2 ** 20),
        pipeline_seconds: fig.times.pipeline,
        floor_seconds: floor.floor_seconds,
        ratio: fig.times.pipeline === null ? null : round2(fig.times.pipeline / floor.floor_seconds),
        rows_per_second: perSecond(rows, fig.times.pipeline),
        stages,
        queued_seconds: fig.times.queued,
        experiment_analyze_seconds: analyzeSeconds,
        worker_peak_rss_mb_by_stage: Object.fromEntries(
          [
            ['staging', sp('import')?.firstStart, sp('import')?.lastDone],
            ['match', sp('import')?.lastDone, sp('match')?.lastDone],
            ['evaluate', sp('match')?.lastDone, sp('evaluate')?.lastDone],
            ['alerts', sp('evaluate')?.lastDone, sp('raiseAlerts')?.lastDone],
          ].map(([st, a, b]) => [
            st,
            peakRssBetween(set, (a as number | undefined) ?? null, (b as number | undefined) ?? null),
          ]),
        ),
        worker_peak_rss_mb: workers?.peak_rss_mb ?? 0,
        worker_cpu_seconds: workers?.per_replica.map((r) => r.cpu_seconds) ?? [],
        match_precision: quality.match_precision,
        match_recall: quality.match_recall,
        conflict_recall: quality.conflict_recall,
        review_rate: quality.review_rate,
        floor,
        counts: fig.counts,
        matches: fig.matches,
        match_steps_seconds: fig.matchSteps,
        alert_steps_seconds: fig.alertSteps,
        staging_steps_seconds: fig.stagingSteps,
        signals: fig.signals,
        load_average: l,
        load_average_floor: fl,
        write_floor_seconds: writeFloor.write_floor_seconds,
        write_floor_tables: writeFloor.write_floor_tables,
        ratio_vs_write_floor:
          fig.times.pipeline === null || writeFloor.write_floor_seconds <= 0
            ? null
            : round2(fig.times.pipeline / writeFloor.write_floor_seconds),
        load_average_write_floor: wl,
      });
      printRun(runs.at(-1)!);
    } finally {
      await s.close();
    }
  }
  if (runs.length > 1) {
    printTable(
      `linearity: rows/s per size (${feed}, register ${persons.toLocaleString()}, ${replicas} worker(s))`,
      [
        'rows',
        'pipeline s',
        'rows/s',
        ...STAGES.map((st) => `${st} rows/s`),
        'floor s',
        'ratio',
        'peak RSS MB',
        'load 1m start→end',
      ],
      runs.map((r) => [
        r.rows,
        r.pipeline_seconds,
        r.rows_per_second,
        ...STAGES.map((st) => r.stages[st]?.rows_per_second ?? null),
        r.floor_seconds,
        r.ratio,
        r.worker_peak_rss_mb,
        `${r.load_average.start[0]} → ${r.load_average.end[0]}`,
      ]),
    );
  }
  const last = runs.at(-1)!;
  await writeJson(jsonPath, 'pipeline', {
    experiment_setup_sql: args.string('setup-sql', '') || null,
    ...last,
    targets: { ratio: 3.0, worker_peak_rss_mb: 300 },
    runs: runs.length > 1 ? runs : undefined,
  });
}

function printRun(r: PipelineResult): void {
  printTable(
    `pipeline: ${r.feed} ${r.rows.toLocaleString()} rows (${r.file_mb} MB) against ${r.register_persons.toLocaleString()} persons, ${r.workers} worker(s)` +
      (r.experiment_analyze_seconds === null ? '' : ' — EXPERIMENT: ANALYZE staged_rows before matching'),
    ['stage', 'seconds', 'rows/s', 'busy s (sum of jobs)'],
    [
      ['queued (request → import job)', r.queued_seconds, null, null],
      ...STAGES.map(
        (st) =>
          [
            st,
            r.stages[st]?.seconds ?? null,
            r.stages[st]?.rows_per_second ?? null,
            r.stages[st]?.busy_seconds ?? null,
          ] as const,
      ),
      ['pipeline (request → EVALUATED)', r.pipeline_seconds, r.rows_per_second, null],
      ['floor: \\copy', r.floor.copy_seconds, null, null],
      ['floor: hash join', r.floor.join_seconds, null, null],
      ['floor: INSERT … SELECT', r.floor.insert_seconds, null, null],
      ['floor total (median of 3)', r.floor_seconds, perSecond(r.rows, r.floor_seconds), null],
    ],
  );
  printPairs('summary', [
    ['ratio pipeline / floor (target ≤ 3.0)', r.ratio],
    ['worker peak RSS MB (target ≤ 300)', r.worker_peak_rss_mb],
    ['worker peak RSS MB by stage (sampled)', keyValues(r.worker_peak_rss_mb_by_stage)],
    ['worker CPU seconds', r.worker_cpu_seconds.join(' + ')],
    ['experiment: ANALYZE staged_rows s', r.experiment_analyze_seconds],
    ['match_precision / match_recall', `${percent(r.match_precision)} / ${percent(r.match_recall)}`],
    ['conflict_recall / review_rate', `${percent(r.conflict_recall)} / ${percent(r.review_rate)}`],
    [
      'accepted / rejected / duplicate',
      `${r.counts.rows_accepted} / ${r.counts.rows_rejected} / ${r.counts.rows_duplicate}`,
    ],
    ['match steps s (sum over chunks)', keyValues(r.match_steps_seconds)],
    ['staging steps s', keyValues(r.staging_steps_seconds)],
    ['alert steps s', keyValues(r.alert_steps_seconds)],
    ['floor totals of the 3 runs s', r.floor.floor_seconds_runs.join(', ')],
    ['floor rows loaded / joined', `${r.floor.rows_loaded} / ${r.floor.rows_joined}`],
    ['floor join plan', r.floor.join_plan],
    [
      'write floor s / ratio pipeline / write floor',
      `${r.write_floor_seconds} / ${r.ratio_vs_write_floor ?? '–'}`,
    ],
    [
      'write floor per table s',
      keyValues(Object.fromEntries(Object.entries(r.write_floor_tables).map(([t, w]) => [t, w.seconds]))),
    ],
    ['signals', keyValues(r.signals)],
    ['alerts / tasks', `${r.counts.alerts} / ${r.counts.tasks}`],
    ['load average 1/5/15 (pipeline)', load(r.load_average)],
    ['load average 1/5/15 (floor)', load(r.load_average_floor)],
    ['load average 1/5/15 (write floor)', load(r.load_average_write_floor)],
  ]);
}
