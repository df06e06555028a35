// The audit trail (domain §8): sign-ins, views of a full ID number, exports, every task transition
// and every change to users, reviews and imports write one audit_log row saying who (the actor's
// name, and their user id when a signed-in user acted), what (one action of the vocabulary below)
// and which subject.
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '@ew/db';

/** Every action the audit log records: one vocabulary for the API, the CLI and the pipeline. */
export const AUDIT_ACTIONS = [
  // sign-in (the subject is the user; a failure names the username tried in detail)
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  // a full ID number shown to someone
  'person.reveal',
  // files leaving the system
  'export.import_rejects',
  'export.platform',
  'export.stats',
  'export.monthly',
  // task transitions (task_events.action, prefixed)
  'task.open',
  'task.claim',
  'task.assign',
  'task.start_visit',
  'task.record_visit',
  'task.transfer',
  'task.close',
  'task.approve',
  'task.return',
  'task.record_paperwork',
  // users
  'user.create',
  'user.deactivate',
  'user.reset_password',
  'user.rotate_token',
  // signals found no longer true (a new standard, a corrected file): the withdrawal as a whole
  'signal.withdraw',
  // match reviews and imports
  'review.accept',
  'review.reject',
  // a decision applied again to the same source row delivered later (actor system:reuse)
  'review.reuse',
  // a review's full values (the row's and its candidates' ID numbers and names) shown
  'review.reveal',
  'import.request',
  'import.replace',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The families of actions (`task`, `user`, …), for filters such as `task.*`. */
export const AUDIT_ACTION_FAMILIES: readonly string[] = [
  ...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]!)),
];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Who did something: a name for people reading the log, and the user id of a signed-in user. */
export interface Operator {
  /** A username (API), `cli:<operator>` (CLI), or a system component. */
  actor: string;
  /** The acting user's id; null for the CLI and the system. */
  actorUserId: number | null;
}

export interface AuditEntry {
  actor: string;
  /** The acting user's id when a signed-in user acted (null or absent: CLI or system). */
  actorUserId?: number | null;
  action: AuditAction;
  subjectType: string;
  /** Null when there is no subject row (a failed sign-in of an unknown username). */
  subjectId: string | number | null;
  /** Database ids and counts only, never personal data. */
  detail?: Record<string, unknown>;
}

export async function audit(db: Kysely<DB> | Transaction<DB>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      actor_user_id: entry.actorUserId ?? null,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId === null ? null : String(entry.subjectId),
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
