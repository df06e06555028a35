// Scheduled work of the worker: a low-income standard that has taken effect is re-evaluated as
// one event (标准调整后走访排查). Looked for at start and every hour; recorded through the outbox,
// so several worker replicas schedule it once (deterministic job id + unique outbox job_id).
// The same tick notes passed task and paperwork deadlines in the tasks' histories (idempotent:
// replicas running it at once mark each deadline once).
import { markOverdue } from '@ew/casework';
import { recordJob } from '@ew/queue';
import type { AppContext } from '@ew/pipeline/context';
import { dueStandardChanges } from '@ew/pipeline/rules/standard-change';

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
    const today = new Date().toISOString().slice(0, 10);
    scheduleDueWork(ctx, today).catch((err: unknown) => ctx.logger.error({ err }, 'scheduler failed'));
    markOverdue(ctx.database.db)
      .then((r) => ctx.logger.info(r, 'overdue noted'))
      .catch((err: unknown) => ctx.logger.error({ err }, 'overdue step failed'));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
