// Withdrawn signals (预警信号撤销): a signal that is no longer true — INCOME_MARGINAL of a household
// that no longer qualifies under a new low-income standard (rules/standard-change.ts), a signal
// that a corrected file (--replace) no longer raises (rules/replaced-signals.ts) — is marked
// superseded (signals.superseded_at, superseded_reason), never deleted: the alert keeps it and
// explains it as withdrawn (alerts/explain.ts).
//
// ONE mechanism for every cause, set-based, inside the caller's transaction:
//   - the selected signals not withdrawn yet are marked (a signal withdrawn already stays as it was:
//     idempotent, a second run withdraws nothing and writes no event);
//   - every task still open (not CLOSED) that one of them sat on (through its alert) records it: a
//     `signals_withdrawn` task event (actor system, note "2 条预警信号已撤销：<reason>", detail: the
//     signal ids, codes and cause) and its codes become those of its live signals (the queue's
//     compound-risk order counts current risk only). Its severity is left as it is (an open task
//     never goes down; the caseworker decides). A closed task is not touched: only its signals are
//     marked. How many of a task's signals are withdrawn (tasks.signals_withdrawn, the queue's
//     部分信号已撤销) is kept by a trigger on signals (migration T0021), for open and closed tasks;
//   - one audit row (`signal.withdraw`) for the withdrawal as a whole, ids and counts only.
// Held under every household bucket's advisory lock, like a raise: never races one.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { audit } from '@ew/accounts';
import type { DB } from '@ew/db';
import { lockAlertBuckets } from './raise-alerts.ts';

export interface Withdrawal {
  /** Why, in Chinese, for the people who read it: stored with each signal and in the task event. */
  reason: string;
  /** The cause in ids and codes (the task event's detail, the audit row), e.g. `{ replacedBy: 12 }`. */
  cause: Record<string, unknown>;
  /** Who set it off, for the audit row (`system`, `cli:<operator>`). */
  actor: string;
  /** The audit row's subject: the corrected import, the standard change. */
  subject: { type: string; id: string | number };
}

export interface WithdrawResult {
  /** Signals withdrawn now (not counting those withdrawn before). */
  signals: number;
  /** Alerts that held one of them. */
  alerts: number;
  /** Open tasks that got a `signals_withdrawn` event. */
  tasksFlagged: number;
}

export const NOTHING_WITHDRAWN: WithdrawResult = Object.freeze({ signals: 0, alerts: 0, tasksFlagged: 0 });

/** The task event's note: "2 条预警信号已撤销：<reason>" (Postgres format(), as written). */
const NOTE_FORMAT = '%s 条预警信号已撤销：%s';

export function withdrawalNote(signals: number, reason: string): string {
  return `${signals} 条预警信号已撤销：${reason}`;
}

/**
 * Withdraws the signals `selection` names (SQL returning a column `id` of signal ids) for
 * `withdrawal`'s reason. Runs in the caller's transaction.
 */
export async function withdrawSignals(
  trx: Kysely<DB>,
  selection: RawBuilder<unknown>,
  withdrawal: Withdrawal,
): Promise<WithdrawResult> {
  await lockAlertBuckets(trx);
  await sql`drop table if exists withdrawn_signals`.execute(trx);
  await sql`create temporary table withdrawn_signals (id bigint primary key, code text not null) on commit drop`.execute(
    trx,
  );
  await sql`
    with marked as (
      update signals s set superseded_at = now(), superseded_reason = ${withdrawal.reason}
       where s.id in (select sel.id from (${selection}) sel) and s.superseded_at is null
      returning s.id, s.code
    )
    insert into withdrawn_signals (id, code) select id, code from marked`.execute(trx);
  const { rows } = await sql<{ signals: number; alerts: number }>`
    select (select count(*) from withdrawn_signals)::int as signals,
           (select count(distinct l.alert_id) from withdrawn_signals w
              join alert_signals l on l.signal_id = w.id)::int as alerts`.execute(trx);
  const counted = rows[0] ?? { signals: 0, alerts: 0 };
  if (counted.signals === 0) return { ...NOTHING_WITHDRAWN };

  // per open task: one event, and its codes are those of its live signals from now on
  const flagged = await sql<{ n: number }>`
    with hit as materialized (
      select a.task_id, count(*)::int as n, array_agg(w.id order by w.id) as signal_ids,
             array_agg(distinct w.code order by w.code) as codes
        from withdrawn_signals w
        join alert_signals l on l.signal_id = w.id
        join alerts a on a.id = l.alert_id
        join tasks t on t.id = a.task_id and t.status <> 'CLOSED'
       group by a.task_id
    ), updated as (
      update tasks t
         set codes = array(select distinct s.code
                             from alerts a
                             join alert_signals l on l.alert_id = a.id
                             join signals s on s.id = l.signal_id
                            where a.task_id = t.id and s.superseded_at is null
                            order by 1)
        from hit
       where t.id = hit.task_id
      returning t.id, t.status
    ), events as (
      insert into task_events (task_id, from_status, to_status, action, actor, note, detail)
      select u.id, u.status, u.status, 'signals_withdrawn', 'system',
             format(${NOTE_FORMAT}::text, hit.n, ${withdrawal.reason}::text),
             jsonb_build_object('signalIds', to_jsonb(hit.signal_ids), 'codes', to_jsonb(hit.codes),
                                'cause', ${JSON.stringify(withdrawal.cause)}::jsonb)
        from updated u join hit on hit.task_id = u.id
      returning 1
    )
    select count(*)::int as n from events`.execute(trx);
  const result: WithdrawResult = { ...counted, tasksFlagged: flagged.rows[0]?.n ?? 0 };
  await audit(trx, {
    actor: withdrawal.actor,
    action: 'signal.withdraw',
    subjectType: withdrawal.subject.type,
    subjectId: withdrawal.subject.id,
    detail: { ...withdrawal.cause, ...result },
  });
  return result;
}
