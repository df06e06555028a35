// Showing full personal values on request (domain §8): the one rule for every reveal — a reason
// of 2 to 500 characters, and an audit row that records it. casework (a task's ID number) and the
// review list (a review's row and candidates) both go through here.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '@ew/db';
import { audit, type AuditAction, type Operator } from './audit.ts';

/** Length bounds of a reveal's reason after trimming (e.g. 核对低保系统). */
export const REVEAL_REASON = { min: 2, max: 500 } as const;

/** A reveal's reason as every reveal input takes it (trimmed, within REVEAL_REASON). */
export const revealReason = z.string().trim().min(REVEAL_REASON.min).max(REVEAL_REASON.max);

export type RevealAction = Extract<AuditAction, `${string}.reveal`>;

export interface RevealEntry {
  operator: Operator;
  action: RevealAction;
  subjectType: string;
  subjectId: string | number;
  reason: string;
  /** Database ids only. */
  detail?: Record<string, unknown>;
}

export async function auditReveal(db: Kysely<DB> | Transaction<DB>, entry: RevealEntry): Promise<void> {
  await audit(db, {
    actor: entry.operator.actor,
    actorUserId: entry.operator.actorUserId,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    detail: { ...entry.detail, reason: entry.reason },
  });
}
