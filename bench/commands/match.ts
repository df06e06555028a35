// `pnpm bench match [--rows N] [--register N] [--json PATH]`: the generator's noisy feed through
// the real import and match jobs (worker processes, WORKER_QUEUES=import,match), then match quality
// against the generator's truth (issue 4) and the plain SQL join of the same tables next to the
// matcher's time. JSON keys: match_precision, match_recall, conflict_recall, review_rate, seconds.
import { measureMatchQuality } from '@ew/pipeline/match/quality';
import { round2, trackLoad } from '../lib/env.ts';
import { ensureFeedData, log, readTruth } from '../lib/data.ts';
import { importFigures, perSecond, requestFeedImport, startWorkers, waitForStatus } from '../lib/pipeline.ts';
import { plainSqlJoin } from '../lib/sql-join.ts';
import { openSession } from '../lib/session.ts';
import { keyValues, load, percent, printPairs, type Args, writeJson } from '../lib/report.ts';

export async function matchBench(args: Args): Promise<void> {
  const rows = args.number('rows', 100_000);
  const persons = args.number('register', 100_000);
  const replicas = args.number('workers', 1);
  const seed = args.number('seed', 42);
  const feed = args.string('feed', 'hr');
  const data = await ensureFeedData({ feed, persons, rows, seed });
  const s = await openSession('match', data, args.flag('keep'), args.string('setup-sql', '') || undefined);
  try {
    const set = await startWorkers(s.be, 'import,match', replicas);
    s.workers.push(set);
    log(`match: ${rows.toLocaleString()} rows against ${persons.toLocaleString()} persons …`);
    const loadAvg = trackLoad();
    const importId = await requestFeedImport(s.ctx, s.runtime, feed, data.feedFile);
    await waitForStatus(s.ctx, importId, 'MATCHED', s.workers);
    const l = loadAvg.done();
    const [workers] = await s.stopAll();
    const fig = await importFigures(s.ctx, importId, [set]);
    const quality = await measureMatchQuality(s.ctx.database.db, importId, await readTruth(data.truthFile));
    const joinLoad = trackLoad();
    const plain = await plainSqlJoin(s.ctx, importId);
    const seconds = fig.times.match;
    const result = {
      feed,
      rows,
      register_persons: persons,
      workers: replicas,
      match_precision: quality.match_precision,
      match_recall: quality.match_recall,
      conflict_recall: quality.conflict_recall,
      review_rate: quality.review_rate,
      seconds,
      rows_per_second: perSecond(fig.counts.rows_accepted ?? rows, seconds),
      match_busy_seconds: workers?.busy_seconds['match'] ?? null,
      ...plain,
      ratio_to_plain_join: seconds === null ? null : round2(seconds / plain.sql_join_insert_seconds),
      staging_seconds: fig.times.staging,
      worker_peak_rss_mb: workers?.peak_rss_mb ?? null,
      quality_counts: quality.counts,
      matches: fig.matches,
      match_steps_seconds: fig.matchSteps,
      counts: fig.counts,
      load_average: l,
      load_average_sql_join: joinLoad.done(),
    };
    printPairs(
      `match quality and time: ${feed} ${rows.toLocaleString()} rows, register ${persons.toLocaleString()}, ${replicas} worker(s)`,
      [
        ['match_precision (target ≥ 99.9 %)', percent(result.match_precision)],
        ['match_recall (target ≥ 99 %)', percent(result.match_recall)],
        ['conflict_recall (target ≥ 95 %)', percent(result.conflict_recall)],
        ['review_rate (target ≤ 2 %)', percent(result.review_rate)],
        ['seconds (import done → last match job done)', seconds],
        ['match rows/s', result.rows_per_second],
        ['match busy seconds (sum of job times)', result.match_busy_seconds],
        ['plain SQL join seconds (count)', plain.sql_join_seconds],
        ['plain SQL join + INSERT…SELECT seconds', plain.sql_join_insert_seconds],
        ['matcher / plain join+insert', result.ratio_to_plain_join],
        ['match steps s (sum over chunks)', keyValues(fig.matchSteps)],
        ['matches by method', keyValues(fig.matches)],
        ['load average 1/5/15 (match run)', load(l)],
      ],
    );
    await writeJson(args.jsonPath('match'), 'match', result);
  } finally {
    await s.close();
  }
}
