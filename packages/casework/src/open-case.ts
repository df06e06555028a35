// 一门受理: a caseworker or supervisor opens a task by hand — a walk-in application, a village
// committee's report, a phone call — for a register household or for a person outside the
// register. Same workflow, deadlines and reporting as a task the pipeline raised; it records its
// source and who opened it.
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { audit } from '@ew/accounts';
import { parseIdNumber } from '@ew/core';
import type { DB } from '@ew/db';
import { townScope, type Actor } from './actor.ts';
import type { CaseworkPolicy } from './actions.ts';
import { CaseworkError } from './errors.ts';
import { SEVERITIES, taskAfterAction, type TaskSummary } from './queue.ts';

const base = {
  source: z.enum(['WALK_IN', 'VILLAGE_REPORT', 'PHONE', 'OTHER']),
  /** The applicant's words, the committee's report: why the case is opened. */
  reason: z.string().trim().min(2).max(4000),
  severity: z.enum(SEVERITIES).default('medium'),
};

export const openCaseInput = z.union([
  z.strictObject({ ...base, householdNo: z.string().trim().min(1).max(40) }),
  z.strictObject({
    ...base,
    subject: z.strictObject({
      name: z.string().trim().min(1).max(50),
      /** Parsed once here: the output is the normalised 18-character number. */
      idNumber: z
        .string()
        .trim()
        .max(30)
        .transform((v, ctx) => {
          const parsed = parseIdNumber(v);
          if (parsed.ok) return parsed.id;
          ctx.addIssue({
            code: 'custom',
            message: 'not a valid resident ID number (18 digits, check digit)',
          });
          return z.NEVER;
        })
        .optional(),
      townId: z.number().int().positive(),
      address: z.string().trim().min(1).max(300),
      village: z.string().trim().max(100).optional(),
    }),
  }),
]);
export type OpenCaseInput = z.input<typeof openCaseInput>;

export async function openCase(
  db: Kysely<DB>,
  policy: CaseworkPolicy,
  actor: Actor,
  raw: OpenCaseInput,
): Promise<TaskSummary> {
  const input = openCaseInput.parse(raw);
  const scope = townScope(actor);
  const taskId = await db.transaction().execute(async (trx) => {
    let householdId: number | null = null;
    let townId: number;
    if ('householdNo' in input) {
      const household = await trx
        .selectFrom('households')
        .select(['id', 'town_id'])
        .where('household_no', '=', input.householdNo)
        .where('active', '=', true)
        .$if(scope !== null, (q) => q.where('town_id', '=', scope!))
        .executeTakeFirst();
      if (household === undefined) throw new CaseworkError('NOT_FOUND', `no household ${input.householdNo}`);
      const open = await trx
        .selectFrom('tasks')
        .select('id')
        .where('household_id', '=', household.id)
        .where('status', '<>', 'CLOSED')
        .executeTakeFirst();
      if (open !== undefined) {
        throw new CaseworkError(
          'TRANSITION_NOT_ALLOWED',
          `the household has an open task already (task ${open.id})`,
        );
      }
      householdId = household.id;
      townId = household.town_id;
    } else {
      townId = input.subject.townId;
      if (scope !== null && townId !== scope)
        throw new CaseworkError('FORBIDDEN', 'a caseworker opens cases of their own town');
      const town = await trx.selectFrom('towns').select('id').where('id', '=', townId).executeTakeFirst();
      if (town === undefined) throw new CaseworkError('VALIDATION_FAILED', `no town ${townId}`);
    }
    const subject = 'subject' in input ? input.subject : null;
    const task = await trx
      .insertInto('tasks')
      .values({
        household_id: householdId,
        town_id: townId,
        status: 'NEW',
        severity: input.severity,
        due_at: sql<Date>`now() + make_interval(days => ${policy.taskDeadlineDays[input.severity]}::int)`,
        source: input.source,
        reason: input.reason,
        subject_name: subject?.name ?? null,
        subject_id_number: subject?.idNumber ?? null,
        subject_address: subject?.address ?? null,
        subject_village: subject?.village ?? null,
        created_by: actor.id,
      })
      .returning(['id', 'due_at'])
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('task_events')
      .values({
        task_id: task.id,
        from_status: null,
        to_status: 'NEW',
        action: 'open',
        actor: actor.username,
        actor_user_id: actor.id,
        town_id: townId,
        note: null,
        detail: JSON.stringify({ source: input.source, dueAt: task.due_at, severity: input.severity }),
      })
      .execute();
    await audit(trx, {
      actor: actor.username,
      actorUserId: actor.id,
      action: 'task.open',
      subjectType: 'task',
      subjectId: task.id,
      detail: { source: input.source, townId, householdId },
    });
    return task.id;
  });
  return taskAfterAction(db, taskId);
}
