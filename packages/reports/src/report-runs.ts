// The scheduled filing of the statistics table (issue 13 point 6): once a period has ended (the
// 14th and the 28th at 24:00, Asia/Shanghai), its table is computed and kept in report_runs — the
// record of what was issued. Idempotent: a period already filed is left alone, and a
// transaction-scoped advisory lock keeps two worker replicas from computing it twice.
import { sql } from 'kysely';
import type { Database } from '@ew/db';
import { lastEndedPeriod, parsePeriod } from './period.ts';
import { computeStats, type StatsTable } from './stats.ts';

const ADVISORY_LOCK_KEY = 730_150_013;

export type FileOutcome = { outcome: 'filed' | 'already-filed' | 'busy'; period: string };

/** Files the table of the latest period ended at `now` (or of `periodId`), unless it is filed already. */
export async function fileEndedPeriod(
  db: Database,
  now: Date,
  options: { periodId?: string; computedBy?: string } = {},
): Promise<FileOutcome> {
  const period = options.periodId === undefined ? lastEndedPeriod(now) : parsePeriod(options.periodId);
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${ADVISORY_LOCK_KEY}) as locked`.execute(trx);
    if (!rows[0]?.locked) return { outcome: 'busy', period: period.id };
    const filed = await trx
      .selectFrom('report_runs')
      .select('period')
      .where('period', '=', period.id)
      .executeTakeFirst();
    if (filed !== undefined) return { outcome: 'already-filed', period: period.id };
    const stats = await computeStats(trx, period);
    await trx
      .insertInto('report_runs')
      .values({
        period: period.id,
        period_from: period.from,
        period_to: period.to,
        stats: JSON.stringify(stats),
        computed_by: options.computedBy ?? 'scheduler',
      })
      .execute();
    return { outcome: 'filed', period: period.id };
  });
}

export interface ReportRun {
  period: string;
  computedAt: Date;
  computedBy: string;
  stats: StatsTable;
}

export async function filedRun(db: Database, periodId: string): Promise<ReportRun | null> {
  const row = await db
    .selectFrom('report_runs')
    .selectAll()
    .where('period', '=', parsePeriod(periodId).id)
    .executeTakeFirst();
  if (row === undefined) return null;
  return {
    period: row.period,
    computedAt: row.computed_at,
    computedBy: row.computed_by,
    stats: row.stats as unknown as StatsTable,
  };
}
