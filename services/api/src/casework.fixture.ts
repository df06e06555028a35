// Test helpers (not a test file): tasks in any state, written with SQL as the pipeline and the
// workflow would have left them, so that tests can act on every state directly.
import { sql } from 'kysely';
import type { Database, Severity, TaskOutcome, TaskSource, TaskStatus } from '@ew/db';
import { addHousehold } from '@ew/pipeline/rules/rules.fixture';

export interface SeedTask {
  town: string;
  status?: TaskStatus;
  assignedTo?: number | null;
  severity?: Severity;
  codes?: string[];
  /** Days from now (negative: past). Default 3. */
  dueInDays?: number;
  outcome?: TaskOutcome;
  aidAmount?: number;
  /** Days from now of the paperwork's deadline (CLOSED emergency aid). */
  paperworkDueInDays?: number;
  village?: string;
  source?: TaskSource;
  members?: string[];
}

export interface SeededTask {
  taskId: number;
  householdId: number;
  personIds: number[];
}

export async function seedTask(db: Database, spec: SeedTask): Promise<SeededTask> {
  const household = await addHousehold(db, {
    town: spec.town,
    members: spec.members ?? ['1980-01-01', '2009-05-05'],
  });
  if (spec.village !== undefined) {
    await db
      .updateTable('households')
      .set({ village: spec.village, address: `${spec.village}1号` })
      .where('id', '=', household.householdId)
      .execute();
  }
  const town = await db
    .selectFrom('towns')
    .select('id')
    .where('name', '=', spec.town)
    .executeTakeFirstOrThrow();
  const status = spec.status ?? 'NEW';
  const task = await db
    .insertInto('tasks')
    .values({
      household_id: household.householdId,
      town_id: town.id,
      status,
      severity: spec.severity ?? 'high',
      assigned_to: spec.assignedTo ?? null,
      due_at: sql<Date>`now() + make_interval(days => ${spec.dueInDays ?? 3}::int)`,
      codes: spec.codes ?? ['EDU_DROPOUT'],
      outcome: spec.outcome ?? null,
      aid_amount: spec.aidAmount ?? null,
      closed_at: status === 'CLOSED' ? sql<Date>`now()` : null,
      paperwork_due_at:
        spec.paperworkDueInDays === undefined
          ? null
          : sql<Date>`now() + make_interval(days => ${spec.paperworkDueInDays}::int)`,
      source: spec.source ?? 'ALERT',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('task_events')
    .values({
      task_id: task.id,
      from_status: null,
      to_status: 'NEW',
      action: 'open',
      actor: 'system',
      town_id: town.id,
      detail: '{}',
    })
    .execute();
  return { taskId: task.id, householdId: household.householdId, personIds: household.personIds };
}

export async function eventsOf(db: Database, taskId: number) {
  return db
    .selectFrom('task_events')
    .select(['action', 'from_status', 'to_status', 'town_id', 'actor', 'detail', 'note'])
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
}
