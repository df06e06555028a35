// Scheduled work of the worker, looked for at start and every hour:
//   - a low-income standard that has taken effect is re-evaluated as one event (标准调整后走访排查),
//     both ways — INCOME_MARGINAL raised for the newly qualifying, withdrawn for households no
//     longer qualifying (@ew/pipeline rules/standard-change.ts, as `rules standard-change` does) —
//     recorded through the outbox, so several worker replicas schedule it once (deterministic job
//     id + unique outbox job_id);
//   - the statistics table of the reporting period that has just ended (the 14th and the 28th at
//     24:00, Asia/Shanghai) is filed in report_runs, once (@ew/reports fileEndedPeriod: a period
//     filed already is left alone; an advisory lock keeps replicas from computing it twice).
//   - passed task and paperwork deadlines are noted in the tasks' histories (idempotent:
//     replicas running it at once mark each deadline once);
//   - read_changes is swept (@ew/db read-changes.ts: rows no kept API page can still need).
import { markOverdue } from '@ew/casework';
import { settleReadChanges } from '@ew/db';
import { recordJob } from '@ew/queue';
import type { AppContext } from '@ew/pipeline/context';
import { dueStandardChanges } from '@ew/pipeline/rules/standard-change';
import { fileEndedPeriod } from '@ew/reports';

/** Files the statistics table of the period ended by `now`, unless it is filed already. */
export async function fileReportPeriod(ctx: AppContext, now: Date): Promise<string | null> {
  const filed = await fileEndedPeriod(ctx.database.db, now);
  if (filed.outcome !== 'filed') return null;
  ctx.logger.info({ period: filed.period }, 'statistics table filed');
  return filed.period;
}

export async function scheduleDueWork(ctx: AppContext, today: string): Promise<number> {
  const due = await dueStandardChanges(ctx, today);
  if (due.length === 0) return 0;
  await ctx.database.db.transaction().execute(async (trx) => {
    for (const change of due) {
      await recordJob(trx, 'standardChange', {
        areaType: change.areaType,
        effectiveFrom: change.effectiveFrom,
      });
    }
  });
  ctx.logger.info({ standardChanges: due.length }, 'standard changes scheduled');
  return due.length;
}

export function startScheduler(ctx: AppContext, everyMs = 3_600_000): () => void {
  const tick = () => {
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    scheduleDueWork(ctx, today).catch((err: unknown) => ctx.logger.error({ err }, 'scheduler failed'));
    markOverdue(ctx.database.db)
      .then((r) => ctx.logger.info(r, 'overdue noted'))
      .catch((err: unknown) => ctx.logger.error({ err }, 'overdue step failed'));
    fileReportPeriod(ctx, now).catch((err: unknown) => ctx.logger.error({ err }, 'report filing failed'));
    settleReadChanges(ctx.database.db)
      .then((r) => ctx.logger.info(r, 'read changes swept'))
      .catch((err: unknown) => ctx.logger.error({ err }, 'read changes sweep failed'));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
