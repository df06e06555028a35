// A full ID number, shown only on an explicit request with a reason, and audited (domain §8).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { auditReveal, revealReason } from '@ew/accounts';
import type { DB } from '@ew/db';
import type { Actor } from './actor.ts';
import { CaseworkError } from './errors.ts';
import { scopedTasks } from './queue.ts';

export const revealInput = z.strictObject({
  /** A member of the task's household; leave out for the person of a hand-opened case. */
  personId: z.number().int().positive().optional(),
  /** Why the full number is needed (e.g. 核对低保系统). */
  reason: revealReason,
});

export async function revealIdNumber(
  db: Kysely<DB>,
  actor: Actor,
  taskId: number,
  raw: z.input<typeof revealInput>,
): Promise<{ idNumber: string }> {
  const input = revealInput.parse(raw);
  return db.transaction().execute(async (trx) => {
    const task = await scopedTasks(trx, actor)
      .select(['t.subject_id_number'])
      .where('t.id', '=', taskId)
      .executeTakeFirst();
    if (task === undefined) throw new CaseworkError('NOT_FOUND', `no task ${taskId}`);
    let idNumber: string | null;
    if (input.personId !== undefined) {
      const person = await trx
        .selectFrom('persons')
        .select('id_number')
        .where('id', '=', input.personId)
        .where('household_id', '=', task.household_id ?? -1)
        .executeTakeFirst();
      if (person === undefined)
        throw new CaseworkError('NOT_FOUND', `person ${input.personId} is not of this task's household`);
      idNumber = person.id_number;
    } else {
      idNumber = task.subject_id_number;
      if (idNumber === null)
        throw new CaseworkError('NOT_FOUND', 'this task records no ID number; name a personId');
    }
    await auditReveal(trx, {
      operator: { actor: actor.username, actorUserId: actor.id },
      action: 'person.reveal',
      subjectType: input.personId !== undefined ? 'person' : 'task',
      subjectId: input.personId ?? taskId,
      reason: input.reason,
      detail: { taskId },
    });
    return { idNumber };
  });
}
