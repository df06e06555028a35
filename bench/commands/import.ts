// `pnpm bench import --rows 1000000 [--register 100000]`: one CSV feed through the real import job
// in ONE worker process that consumes only `import` (WORKER_QUEUES=import). Prints rows/s and the
// worker's peak RSS (issue 3: under 300 MB for 1,000,000 rows); `--rows 100000,1000000` shows
// whether memory grows with the file.
import { round2, trackLoad } from '../lib/env.ts';
import { ensureFeedData, log } from '../lib/data.ts';
import { importFigures, perSecond, requestFeedImport, startWorkers, waitForStatus } from '../lib/pipeline.ts';
import { openSession } from '../lib/session.ts';
import { load, printTable, type Args, writeJson } from '../lib/report.ts';

export async function importBench(args: Args): Promise<void> {
  const sizes = args.numbers('rows', 1_000_000);
  const persons = args.number('register', 100_000);
  const seed = args.number('seed', 42);
  const feed = args.string('feed', 'hr');
  const results = [];
  for (const rows of sizes) {
    const data = await ensureFeedData({ feed, persons, rows, seed });
    const s = await openSession('import', data, args.flag('keep'), args.string('setup-sql', '') || undefined);
    try {
      const workers = await startWorkers(s.be, 'import', 1);
      s.workers.push(workers);
      log(`import: ${rows.toLocaleString()} rows (${round2(data.feedBytes / 2 ** 20)} MB) …`);
      const loadAvg = trackLoad();
      const importId = await requestFeedImport(s.ctx, s.runtime, feed, data.feedFile);
      await waitForStatus(s.ctx, importId, 'STAGED', s.workers);
      const l = loadAvg.done();
      const fig = await importFigures(s.ctx, importId, [workers]);
      const [worker] = await s.stopAll();
      results.push({
        feed,
        rows,
        register_persons: persons,
        file_mb: round2(data.feedBytes / 2 ** 20),
        staging_seconds: fig.times.staging,
        rows_per_second: perSecond(rows, fig.times.staging),
        worker_peak_rss_mb: worker!.peak_rss_mb,
        worker_idle_rss_mb: worker!.per_replica[0]?.idle_rss_mb ?? null,
        worker_cpu_seconds: worker!.per_replica[0]?.cpu_seconds ?? null,
        counts: fig.counts,
        load_average: l,
      });
    } finally {
      await s.close();
    }
  }
  printTable(
    `import job (WORKER_QUEUES=import, 1 worker process), feed ${feed}`,
    [
      'rows',
      'file MB',
      'staging s',
      'rows/s',
      'peak RSS MB',
      'idle RSS MB',
      'worker CPU s',
      'accepted',
      'rejected',
      'load average 1/5/15',
    ],
    results.map((r) => [
      r.rows,
      r.file_mb,
      r.staging_seconds,
      r.rows_per_second,
      r.worker_peak_rss_mb,
      r.worker_idle_rss_mb,
      r.worker_cpu_seconds,
      r.counts.rows_accepted,
      r.counts.rows_rejected,
      load(r.load_average),
    ]),
  );
  await writeJson(args.jsonPath('import'), 'import', { target: { worker_peak_rss_mb: 300 }, results });
}
