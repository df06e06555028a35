// Taking an action on a task (domain §5). Each action is one transaction: the task row is locked
// (FOR UPDATE), the caller's scope, the version they saw, the state and their right to act are
// checked against the ONE table in workflow.ts, the row changes, and exactly one event per state
// step (two for a transfer: out of one town, NEW in the other) and one audit row are written.
// Two people acting at once: the second waits for the lock, then finds the task moved on (409).
import { sql, type Kysely, type Transaction } from 'kysely';
import { audit } from '@ew/accounts';
import type { CaseworkSettings, ThresholdValues } from '@ew/config';
import type { DB, TaskEventStatus, TaskOutcome, TaskStatus } from '@ew/db';
import { townScope, type Actor } from './actor.ts';
import { CaseworkError } from './errors.ts';
import { actionInputs, type ActionInput } from './inputs.ts';
import { STATUS_LABELS } from './labels.ts';
import { taskAfterAction, type TaskSummary } from './queue.ts';
import {
  AID_OUTCOMES,
  TRANSITIONS,
  USER_ACTIONS,
  closeTarget,
  targetOf,
  type UserAction,
  type Who,
} from './workflow.ts';

export interface CaseworkPolicy {
  settings: CaseworkSettings;
  /** Deadlines per severity in days from NEW (the thresholds in force). */
  taskDeadlineDays: ThresholdValues['taskDeadlineDays'];
}

/** The task as the rules see it. */
export interface TaskState {
  status: TaskStatus;
  townId: number;
  assignedTo: number | null;
  paperworkDue: boolean;
}

/** How the actor stands to the task (the `who` of the workflow table). */
export function standing(actor: Actor, task: TaskState): Set<Who> {
  const who = new Set<Who>();
  if (actor.role === 'SUPERVISOR') who.add('supervisor');
  if (actor.role === 'CASEWORKER' && actor.townId === task.townId) {
    who.add('town_caseworker');
    if (task.assignedTo === actor.id) who.add('assignee');
  }
  return who;
}

/** Why `actor` may not take `action` on `task` now, as the error's code and message (null: they may). */
function refusalReason(
  actor: Actor,
  task: TaskState,
  action: UserAction,
): { code: 'TRANSITION_NOT_ALLOWED' | 'FORBIDDEN'; message: string } | null {
  const t = TRANSITIONS[action];
  if (!(t.from as readonly (TaskStatus | null)[]).includes(task.status)) {
    return {
      code: 'TRANSITION_NOT_ALLOWED',
      message: `cannot ${action} a task that is ${task.status} (${STATUS_LABELS[task.status]})`,
    };
  }
  if (action === 'record_paperwork' && !task.paperworkDue) {
    return { code: 'TRANSITION_NOT_ALLOWED', message: 'this task has no paperwork due' };
  }
  const who = standing(actor, task);
  if (!(t.who as readonly Who[]).some((w) => who.has(w))) {
    return { code: 'FORBIDDEN', message: `${action} needs: ${t.who.join(' or ')}` };
  }
  return null;
}

/** Why `actor` may not take `action` on `task` now (null: they may). */
export function refusal(actor: Actor, task: TaskState, action: UserAction): CaseworkError | null {
  const reason = refusalReason(actor, task, action);
  return reason === null ? null : new CaseworkError(reason.code, reason.message);
}

/** The actions the actor may take on the task now, in workflow order. */
export function allowedActions(actor: Actor, task: TaskState): UserAction[] {
  // the reasons, not errors: an error captures a stack (1.3 % of the API's CPU on task pages)
  return (USER_ACTIONS as UserAction[]).filter((a) => refusalReason(actor, task, a) === null);
}

interface LockedTask {
  id: number;
  version: number;
  status: TaskStatus;
  town_id: number;
  household_id: number | null;
  severity: 'low' | 'medium' | 'high';
  assigned_to: number | null;
  outcome: TaskOutcome | null;
  aid_amount: number | null;
  paperwork_due_at: Date | null;
  paperwork_done_at: Date | null;
}

export const stateOf = (t: {
  status: TaskStatus;
  town_id: number;
  assigned_to: number | null;
  paperwork_due_at: Date | null;
  paperwork_done_at: Date | null;
}): TaskState => ({
  status: t.status,
  townId: t.town_id,
  assignedTo: t.assigned_to,
  paperworkDue: t.paperwork_due_at !== null && t.paperwork_done_at === null,
});

interface Step {
  from: TaskEventStatus;
  to: TaskEventStatus;
  townId?: number | null;
  detail?: Record<string, unknown>;
}

/** What an action changes: the task's columns, its event steps, the audit detail. */
interface Effect {
  set: Record<string, unknown>;
  steps: Step[];
  note: string | null;
  audit: Record<string, unknown>;
  after?: (trx: Transaction<DB>) => Promise<void>;
}

type Parsed<A extends UserAction> = (typeof actionInputs)[A]['_zod']['output'];

function invalid(message: string): CaseworkError {
  return new CaseworkError('VALIDATION_FAILED', message);
}

const deadline = (policy: CaseworkPolicy, severity: LockedTask['severity']) =>
  sql<Date>`now() + make_interval(days => ${policy.taskDeadlineDays[severity]}::int)`;

async function effectOf<A extends UserAction>(
  trx: Transaction<DB>,
  policy: CaseworkPolicy,
  actor: Actor,
  task: LockedTask,
  action: A,
  input: Parsed<A>,
): Promise<Effect> {
  const same = { from: task.status, to: task.status };
  const step = (to: TaskStatus, detail?: Record<string, unknown>): Step => ({
    from: task.status,
    to,
    detail,
  });
  switch (action) {
    case 'claim': {
      const i = input as Parsed<'claim'>;
      return {
        set: { assigned_to: actor.id },
        steps: [step('ASSIGNED', { assignedTo: actor.id })],
        note: i.note ?? null,
        audit: { assignedTo: actor.id },
      };
    }
    case 'assign': {
      const i = input as Parsed<'assign'>;
      const user = await trx
        .selectFrom('users')
        .select(['id'])
        .where('id', '=', i.userId)
        .where('role', '=', 'CASEWORKER')
        .where('town_id', '=', task.town_id)
        .where('active', '=', true)
        .executeTakeFirst();
      if (user === undefined)
        throw invalid(`user ${i.userId} is not an active caseworker of the task's town`);
      return {
        set: { assigned_to: i.userId },
        steps: [step('ASSIGNED', { assignedTo: i.userId, previousAssignee: task.assigned_to })],
        note: i.note ?? null,
        audit: { assignedTo: i.userId, previousAssignee: task.assigned_to },
      };
    }
    case 'start_visit': {
      const i = input as Parsed<'start_visit'>;
      return { set: {}, steps: [step('IN_PROGRESS')], note: i.note ?? null, audit: {} };
    }
    case 'record_visit': {
      const i = input as Parsed<'record_visit'>;
      const visit = await trx
        .insertInto('task_visits')
        .values({
          task_id: task.id,
          visited_on: i.visitedOn,
          visited_by: actor.id,
          met: i.met,
          verified: JSON.stringify(i.verified),
          notes: i.notes ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return {
        set: {},
        steps: [
          {
            ...same,
            detail: { visitId: visit.id, visitedOn: i.visitedOn, aspects: Object.keys(i.verified) },
          },
        ],
        note: null,
        audit: { visitId: visit.id },
      };
    }
    case 'transfer': {
      const i = input as Parsed<'transfer'>;
      if (i.townId === task.town_id) throw invalid('the task is in that town already');
      const town = await trx.selectFrom('towns').select('id').where('id', '=', i.townId).executeTakeFirst();
      if (town === undefined) throw invalid(`no town ${i.townId}`);
      // the receiving town starts at NEW with a fresh deadline by severity (deadlines run from NEW)
      const due = await sql<{ due: Date }>`select ${deadline(policy, task.severity)} as due`.execute(trx);
      const dueAt = due.rows[0]!.due;
      return {
        set: { town_id: i.townId, assigned_to: null, due_at: dueAt, overdue_noted_at: null },
        steps: [
          { from: task.status, to: 'TRANSFERRED', detail: { fromTownId: task.town_id, toTownId: i.townId } },
          { from: 'TRANSFERRED', to: 'NEW', townId: i.townId, detail: { fromTownId: task.town_id, dueAt } },
        ],
        note: i.reason,
        audit: { fromTownId: task.town_id, toTownId: i.townId },
        // the household moved (转办): the register's next snapshot confirms or corrects it
        after: async (t) => {
          if (task.household_id !== null) {
            await t
              .updateTable('households')
              .set({ town_id: i.townId })
              .where('id', '=', task.household_id)
              .execute();
          }
        },
      };
    }
    case 'close': {
      const i = input as Parsed<'close'>;
      const aid = AID_OUTCOMES.has(i.outcome);
      if (aid && i.aidAmount === undefined) throw invalid(`${i.outcome} needs the aid amount (aidAmount)`);
      if (!aid && i.aidAmount !== undefined) throw invalid(`${i.outcome} pays no aid: leave aidAmount out`);
      if (i.paperworkDue === true && i.outcome !== 'TEMP_AID_EMERGENCY') {
        throw invalid('only emergency aid (TEMP_AID_EMERGENCY) may close with its paperwork still due');
      }
      const min = policy.settings.caseByCaseMinAmount;
      if (i.outcome !== 'CASE_BY_CASE' && i.aidAmount !== undefined && i.aidAmount >= min) {
        throw new CaseworkError(
          'AMOUNT_NEEDS_CASE_BY_CASE',
          `aid of ${min} CNY or more is decided case by case (一事一议): close as CASE_BY_CASE`,
        );
      }
      const to = closeTarget(i.outcome);
      let paperworkDueAt: Date | null = null;
      if (i.paperworkDue === true) {
        const due = await sql<{ due: Date }>`
          select now() + make_interval(days => ${policy.settings.paperworkDeadlineDays}::int) as due`.execute(
          trx,
        );
        paperworkDueAt = due.rows[0]!.due;
      }
      const amount = i.aidAmount ?? null;
      return {
        set: {
          outcome: i.outcome,
          aid_amount: amount,
          paperwork_due_at: paperworkDueAt,
          ...(to === 'CLOSED' ? { closed_at: sql`now()` } : {}),
        },
        steps: [step(to, { outcome: i.outcome, aidAmount: amount, paperworkDueAt })],
        note: i.note ?? null,
        audit: { outcome: i.outcome, aidAmount: amount, to },
      };
    }
    case 'approve': {
      const i = input as Parsed<'approve'>;
      return {
        set: { closed_at: sql`now()`, approved_by: actor.id, approved_at: sql`now()` },
        steps: [step('CLOSED', { outcome: task.outcome, aidAmount: task.aid_amount })],
        note: i.note ?? null,
        audit: { outcome: task.outcome, aidAmount: task.aid_amount },
      };
    }
    case 'return': {
      const i = input as Parsed<'return'>;
      return {
        set: { outcome: null, aid_amount: null },
        steps: [step('IN_PROGRESS', { returnedOutcome: task.outcome, returnedAmount: task.aid_amount })],
        note: i.note,
        audit: {},
      };
    }
    case 'record_paperwork': {
      const i = input as Parsed<'record_paperwork'>;
      return {
        set: { paperwork_done_at: sql`now()` },
        steps: [{ ...same, detail: { paperworkDueAt: task.paperwork_due_at } }],
        note: i.note ?? null,
        audit: {},
      };
    }
  }
  throw new Error(`unknown action ${String(action)}`);
}

/**
 * Takes `action` on task `taskId` as `actor`. Throws CaseworkError: NOT_FOUND (no such task in the
 * actor's scope), TASK_STALE, TRANSITION_NOT_ALLOWED, FORBIDDEN, VALIDATION_FAILED.
 */
export async function act<A extends UserAction>(
  db: Kysely<DB>,
  policy: CaseworkPolicy,
  actor: Actor,
  taskId: number,
  action: A,
  rawInput: ActionInput<A>,
): Promise<TaskSummary> {
  const input = actionInputs[action].parse(rawInput) as Parsed<A>;
  const scope = townScope(actor);
  await db.transaction().execute(async (trx) => {
    let locked = trx
      .selectFrom('tasks')
      .select([
        'id',
        'version',
        'status',
        'town_id',
        'household_id',
        'severity',
        'assigned_to',
        'outcome',
        'aid_amount',
        'paperwork_due_at',
        'paperwork_done_at',
      ])
      .where('id', '=', taskId)
      .forUpdate();
    if (scope !== null) locked = locked.where('town_id', '=', scope);
    const task = await locked.executeTakeFirst();
    if (task === undefined) throw new CaseworkError('NOT_FOUND', `no task ${taskId}`);
    if (input.version !== undefined && input.version !== task.version) {
      throw new CaseworkError(
        'TASK_STALE',
        `task ${taskId} changed meanwhile (now version ${task.version}, you saw ${input.version}): reload it`,
      );
    }
    const refused = refusal(actor, stateOf(task), action);
    if (refused !== null) throw refused;
    const effect = await effectOf(trx, policy, actor, task, action, input);
    const to = targetOf(action, task.status, 'outcome' in input ? (input.outcome as TaskOutcome) : undefined);
    await trx
      .updateTable('tasks')
      .set({ ...effect.set, status: to, version: sql`version + 1` })
      .where('id', '=', taskId)
      .execute();
    if (to === 'CLOSED' && task.status !== 'CLOSED') {
      await trx
        .updateTable('alerts')
        .set({ status: 'CLOSED', updated_at: sql`now()` })
        .where('task_id', '=', taskId)
        .where('status', '=', 'OPEN')
        .execute();
    }
    await trx
      .insertInto('task_events')
      .values(
        effect.steps.map((s) => ({
          task_id: taskId,
          from_status: s.from,
          to_status: s.to,
          action,
          actor: actor.username,
          actor_user_id: actor.id,
          town_id: s.townId ?? null,
          note: effect.note,
          detail: JSON.stringify(s.detail ?? {}),
        })),
      )
      .execute();
    await effect.after?.(trx);
    await audit(trx, {
      actor: actor.username,
      actorUserId: actor.id,
      action: `task.${action}`,
      subjectType: 'task',
      subjectId: taskId,
      detail: { from: task.status, to, version: task.version + 1, ...effect.audit },
    });
  });
  return taskAfterAction(db, taskId);
}
