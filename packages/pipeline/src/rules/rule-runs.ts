// The run log of register-wide evaluations (table rule_runs): a standard change or a register
// snapshot is evaluated once. The claim is a primary-key insert inside the evaluation's own
// transaction, so a concurrent second run waits, then finds the claim and does nothing.
import { sql, type Transaction } from 'kysely';
import type { DB } from '@ew/db';

export type RuleRunKind = 'STANDARD_CHANGE' | 'REGISTER_INCOME';

/** True when this transaction now owns the run; false when it ran before. */
export async function claimRun(trx: Transaction<DB>, kind: RuleRunKind, runKey: string): Promise<boolean> {
  const inserted = await trx
    .insertInto('rule_runs')
    .values({ kind, run_key: runKey })
    .onConflict((oc) => oc.columns(['kind', 'run_key']).doNothing())
    .returning('run_key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function finishRun(
  trx: Transaction<DB>,
  kind: RuleRunKind,
  runKey: string,
  signals: number,
  detail: Record<string, unknown>,
): Promise<void> {
  await trx
    .updateTable('rule_runs')
    .set({ signals, detail: sql`${JSON.stringify(detail)}::jsonb`, ran_at: sql<Date>`now()` })
    .where('kind', '=', kind)
    .where('run_key', '=', runKey)
    .execute();
}
