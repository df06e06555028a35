// What a corrected file (--replace) no longer supports is withdrawn (issue 15).
//
// A signal's identity (feed, person, household, code, source period) is the same in a delivery
// and in the file that corrects it (same feed and period). So:
//   - when the corrected file raises a signal again, the replaced delivery's signal is taken over
//     (rules/feed-signals.ts: on conflict it moves to the corrected import, row and evidence; a
//     signal withdrawn earlier comes back to life) — it stays where it is, on its alert, never
//     doubled;
//   - once every chunk of the corrected file has been evaluated (its last evaluate chunk, or its
//     staging when it has no row), the replaced deliveries' signals still not taken over are the
//     ones it no longer raises: withdrawn (alerts/withdraw-signals.ts), with a reason naming it.
//
// A replacement arriving while the replaced delivery still runs: the corrected file's staging
// marks the delivery REPLACED (stage-import.ts), and from then on
//   - its match and evaluate chunks that have not started skip (REPLACED is not matchable or
//     evaluable), so they raise nothing;
//   - an evaluate chunk already under way when the replacement was staged finishes after it: it
//     takes the delivery's row lock (completeChunk) behind the staging, so it sees REPLACED once it
//     has it, and withdraws what it has just inserted itself (withdrawLateChunk) and records no
//     raise — the corrected file's evaluation, which starts later, takes over what it raises again
//     (the on-conflict update waits for this chunk's commit, then finds its signals);
//   - its raiseAlerts jobs recorded before the replacement find the withdrawn and taken-over
//     signals gone from their selection (withdrawn ones are never raised; taken-over ones belong
//     to the corrected import) and serialise with the withdrawal on the household buckets' locks.
import { sql, type Kysely } from 'kysely';
import type { DB } from '@ew/db';
import { rowFilterSql, rowRange, rowSet } from '../match/row-filter.ts';
import { NOTHING_WITHDRAWN, withdrawSignals, type WithdrawResult } from '../alerts/withdraw-signals.ts';

export interface DeliveryKey {
  id: number;
  feed: string;
  period: string;
}

/**
 * The earlier deliveries of the same feed and period that were replaced (by this delivery or by
 * one it replaced in turn): the signals this delivery takes over and, at its end, withdraws.
 */
export async function replacedDeliveries(trx: Kysely<DB>, delivery: DeliveryKey): Promise<number[]> {
  const rows = await trx
    .selectFrom('imports')
    .select('id')
    .where('feed', '=', delivery.feed)
    .where('period', '=', delivery.period)
    .where('status', '=', 'REPLACED')
    .where('id', '<', delivery.id)
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

function reasonFor(replacedBy: number): string {
  return `数据已由更正文件（第 ${replacedBy} 批导入）替换，更正后的数据不再产生此信号`;
}

/**
 * The corrected delivery has been evaluated: withdraws the replaced deliveries' signals it did not
 * raise again. Idempotent (a signal withdrawn already stays as it was).
 */
export async function withdrawUnsupported(trx: Kysely<DB>, delivery: DeliveryKey): Promise<WithdrawResult> {
  const replaced = await replacedDeliveries(trx, delivery);
  if (replaced.length === 0) return { ...NOTHING_WITHDRAWN };
  return withdrawSignals(
    trx,
    sql`select s.id from signals s
         where s.import_id = any(${replaced}::bigint[]) and s.superseded_at is null`,
    {
      reason: reasonFor(delivery.id),
      cause: { kind: 'REPLACED', replacedImportIds: replaced, replacedBy: delivery.id },
      actor: 'system',
      subject: { type: 'import', id: delivery.id },
    },
  );
}

/**
 * After a corrected delivery's rows were evaluated: a signal it took over that had been withdrawn
 * (a row accepted in review after the withdrawal) is live again on its alert, so its open task
 * takes its code back (the queue counts live codes). Set-based over the evaluated rows.
 */
export async function restoreTaskCodes(
  trx: Kysely<DB>,
  importId: number,
  rows: { rowFrom: number; rowTo: number } | { rowNos: readonly number[] } | undefined,
): Promise<void> {
  const range =
    rows === undefined
      ? sql``
      : sql`and ${rowFilterSql('rowNos' in rows ? rowSet(rows.rowNos) : rowRange(rows.rowFrom, rows.rowTo), 's')}`;
  await sql`
    with back as (
      select a.task_id, array_agg(distinct s.code) as codes
        from signals s
        join alert_signals l on l.signal_id = s.id
        join alerts a on a.id = l.alert_id
        join tasks t on t.id = a.task_id and t.status <> 'CLOSED'
       where s.import_id = ${importId}::bigint ${range}
         and s.superseded_at is null and not (s.code = any(t.codes))
       group by a.task_id
    )
    update tasks t
       set codes = array(select distinct c from unnest(t.codes || back.codes) c order by 1)
      from back
     where t.id = back.task_id`.execute(trx);
}

/**
 * An evaluate chunk of a delivery that was replaced while the chunk ran: withdraws the signals
 * the chunk inserted (its rows, not taken over by anyone yet). The replacing import is the newest
 * that names this one.
 */
export async function withdrawLateChunk(
  trx: Kysely<DB>,
  importId: number,
  rows: { rowFrom: number; rowTo: number },
): Promise<WithdrawResult> {
  const by = await trx
    .selectFrom('imports')
    .select('id')
    .where('replaces_import_id', '=', importId)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const replacedBy = by === undefined ? null : Number(by.id);
  return withdrawSignals(
    trx,
    sql`select s.id from signals s
         where s.import_id = ${importId}::bigint and s.row_no >= ${rows.rowFrom}::int
           and s.row_no < ${rows.rowTo}::int and s.superseded_at is null`,
    {
      reason: replacedBy === null ? '数据已由更正文件替换' : reasonFor(replacedBy),
      cause: { kind: 'REPLACED', replacedImportIds: [importId], replacedBy },
      actor: 'system',
      subject: { type: 'import', id: replacedBy ?? importId },
    },
  );
}
