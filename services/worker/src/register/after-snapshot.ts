// The follow-up of a register snapshot, as one job: rows of the current deliveries that were
// outside the register or unmatched are matched again (people who moved in), the newly matched
// rows go through the rules, and register-based INCOME_MARGINAL is evaluated. Each step is
// idempotent on its own (per snapshot), so a rerun of the job changes nothing.
import type { JobPayload } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { rematchAfterSnapshot } from '../match/rematch.ts';
import { evaluateMatchedRow } from '../rules/evaluate-chunk.ts';
import { evaluateRegisterIncome } from '../rules/register-income.ts';

export async function afterRegisterSnapshot(
  ctx: AppContext,
  payload: JobPayload<'registerApplied'>,
): Promise<void> {
  const rematch = await rematchAfterSnapshot(ctx, payload.snapshotId);
  // few rows (people who moved in since the delivery); each is evaluated and alerted at once
  for (const row of rematch.newlyMatchedRows) await evaluateMatchedRow(ctx, row);
  const snapshot = await ctx.database.db
    .selectFrom('register_snapshots')
    .select('as_of')
    .where('id', '=', payload.snapshotId)
    .executeTakeFirst();
  const income = await evaluateRegisterIncome(
    ctx,
    payload.snapshotId,
    snapshot?.as_of ? { asOf: snapshot.as_of } : {},
  );
  ctx.logger.info(
    {
      snapshotId: payload.snapshotId,
      rematched: rematch.rematched,
      newlyMatched: rematch.newlyMatched,
      flaggedLeft: rematch.flaggedLeft,
      income: income.outcome,
    },
    'register snapshot followed up',
  );
}
