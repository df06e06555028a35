// The follow-up of a register snapshot, as one job: rows of the current deliveries that were
// outside the register or unmatched are matched again (people who moved in), the newly matched
// rows go through the rules, and register-based INCOME_MARGINAL is evaluated. Each step is
// idempotent on its own (per snapshot), so a rerun of the job changes nothing.
import type { JobPayload } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { rematchAfterSnapshot, type RematchResult } from '../match/rematch.ts';
import { evaluateMatchedRows } from '../rules/evaluate-chunk.ts';
import { evaluateRegisterIncome, type RegisterIncomeOutcome } from '../rules/register-income.ts';

export interface SnapshotFollowUp {
  rematch: RematchResult;
  income: RegisterIncomeOutcome;
}

export async function afterRegisterSnapshot(
  ctx: AppContext,
  payload: JobPayload<'registerApplied'>,
): Promise<SnapshotFollowUp> {
  const rematch = await rematchAfterSnapshot(ctx, payload.snapshotId);
  // the rows of each import at once: one rules statement and one raise per import, not per row
  const byImport = new Map<number, number[]>();
  for (const { importId, rowNo } of rematch.newlyMatchedRows) {
    const rows = byImport.get(importId);
    if (rows === undefined) byImport.set(importId, [rowNo]);
    else rows.push(rowNo);
  }
  for (const [importId, rowNos] of byImport) await evaluateMatchedRows(ctx, importId, rowNos);
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
  return { rematch, income };
}
