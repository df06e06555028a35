// `pnpm bench rules [--rows N] [--register N]`: times the evaluate stage (issue 5) alone. The feed is
// imported and matched first by workers that consume only import,match; once the import is
// MATCHED they stop, and fresh workers (WORKER_QUEUES=evaluate,raiseAlerts) pick up the evaluate
// jobs waiting in the queue. evaluate seconds = first evaluate job start → last evaluate job done
// (worker logs); alerts seconds = → raiseAlerts done (EVALUATED).
import { round2, trackLoad } from '../lib/env.ts';
import { ensureFeedData, log } from '../lib/data.ts';
import {
  analyzeBeforeMatch,
  importFigures,
  perSecond,
  requestFeedImport,
  startWorkers,
  waitForStatus,
} from '../lib/pipeline.ts';
import { openSession } from '../lib/session.ts';
import { keyValues, load, printPairs, type Args, writeJson } from '../lib/report.ts';

export async function rulesBench(args: Args): Promise<void> {
  const rows = args.number('rows', 100_000);
  const persons = args.number('register', 100_000);
  const replicas = args.number('workers', 1);
  const seed = args.number('seed', 42);
  const feed = args.string('feed', 'hr');
  const data = await ensureFeedData({ feed, persons, rows, seed });
  const s = await openSession('rules', data, args.flag('keep'), args.string('setup-sql', '') || undefined);
  try {
    const first = await startWorkers(s.be, 'import,match', 1);
    s.workers.push(first);
    log(`rules: importing and matching ${rows.toLocaleString()} rows first …`);
    // --analyze-after-staging: the proposed ANALYZE (pipeline.ts) to make the set-up's matching fast
    const analyze = args.flag('analyze-after-staging');
    if (analyze) await s.runtime.queues.match.pause();
    const importId = await requestFeedImport(s.ctx, s.runtime, feed, data.feedFile);
    if (analyze) await analyzeBeforeMatch(s.ctx, s.runtime, importId);
    await waitForStatus(s.ctx, importId, 'MATCHED', s.workers);
    await s.stopAll();
    await s.ctx.database.pool.query('checkpoint');

    log('rules: evaluate + raiseAlerts …');
    const loadAvg = trackLoad();
    const evalWorkers = await startWorkers(s.be, 'evaluate,raiseAlerts', replicas);
    s.workers.push(evalWorkers);
    await waitForStatus(s.ctx, importId, 'EVALUATED', s.workers);
    const l = loadAvg.done();
    const [workers] = await s.stopAll();
    const fig = await importFigures(s.ctx, importId, [first, evalWorkers]);
    const ev = fig.spans['evaluate'];
    const matched = (fig.matches['ID'] ?? 0) + (fig.matches['FALLBACK'] ?? 0);
    const evaluateSeconds = ev === undefined ? null : round2((ev.lastDone - ev.firstStart) / 1000);
    const result = {
      experiment_setup_sql: args.string('setup-sql', '') || null,
      feed,
      rows,
      register_persons: persons,
      workers: replicas,
      matched_rows: matched,
      evaluate_seconds: evaluateSeconds,
      evaluate_rows_per_second: perSecond(matched, evaluateSeconds),
      evaluate_busy_seconds: workers?.busy_seconds['evaluate'] ?? null,
      alerts_seconds: fig.times.alerts,
      signals: fig.signals,
      alerts: fig.counts.alerts,
      tasks: fig.counts.tasks,
      worker_peak_rss_mb: workers?.peak_rss_mb ?? null,
      load_average: l,
    };
    printPairs(
      `rules: evaluate stage over ${matched.toLocaleString()} matched rows (${feed}, ${replicas} worker(s))`,
      [
        ['evaluate seconds (first job start → last chunk done)', evaluateSeconds],
        ['evaluate matched rows/s', result.evaluate_rows_per_second],
        ['evaluate busy seconds (sum of job times)', result.evaluate_busy_seconds],
        ['raiseAlerts seconds', result.alerts_seconds],
        ['signals', keyValues(fig.signals)],
        ['alerts / tasks', `${result.alerts} / ${result.tasks}`],
        ['worker peak RSS MB', result.worker_peak_rss_mb],
        ['load average 1/5/15', load(l)],
      ],
    );
    await writeJson(args.jsonPath('rules'), 'rules', result);
  } finally {
    await s.close();
  }
}
