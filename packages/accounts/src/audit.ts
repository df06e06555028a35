// The audit trail (domain §8): exports, views of a full ID number (the API shows none: everything
// is masked), and every task transition write one audit_log row, with who, what and which subject.
// Review decisions and import requests are audited by the worker functions that make them.
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '@ew/db';

export interface AuditEntry {
  actor: string;
  /** The signed-in user (null: the system, or a CLI operator without an account). */
  actorUserId?: number | null;
  /** A dotted verb: `import.rejects_export`, `task.claim`, … */
  action: string;
  subjectType: string;
  subjectId: string | number;
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
      subject_id: String(entry.subjectId),
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
