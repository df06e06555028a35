// Test fixtures for the reports: towns, households, matches, tasks, task events, alerts and
// signals written directly with SQL, exactly as the contract ("Task events") describes them, at
// the instants a test names (Asia/Shanghai wall time). Not a test file itself.
import { sql } from 'kysely';
import type { Database, Severity, TaskEventStatus, TaskOutcome, TaskSource } from '@ew/db';

/** `'2023-03-05 10:00'` (Shanghai) → the instant. */
export const sh = (wall: string): Date =>
  new Date(`${wall.replace(' ', 'T')}${wall.length <= 10 ? 'T00:00' : ''}+08:00`);

/** The town of that name (made if missing). */
export async function addTown(db: Database, name: string): Promise<number> {
  await db
    .insertInto('towns')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await db.selectFrom('towns').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

let seq = 0;

export interface FixtureHousehold {
  householdId: number;
  householdNo: string;
  personIds: number[];
}

/** A household with members (the first is the head); ID numbers are made up, never valid ones. */
export async function addHousehold(
  db: Database,
  townId: number,
  names: string[] = ['张三'],
  extra: { village?: string; address?: string } = {},
): Promise<FixtureHousehold> {
  seq += 1;
  const householdNo = `HH${String(seq).padStart(6, '0')}`;
  const h = await db
    .insertInto('households')
    .values({
      household_no: householdNo,
      town_id: townId,
      village: extra.village ?? '东村',
      area_type: 'URBAN',
      address: extra.address ?? `东村${seq}号`,
      monthly_income: 1200,
      assistance_status: 'NONE',
      refused_on: null,
      member_count: names.length,
      snapshot_id: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const personIds: number[] = [];
  for (const [i, name] of names.entries()) {
    seq += 1;
    const p = await db
      .insertInto('persons')
      .values({
        id_number: `13080219800101${String(seq).padStart(4, '0')}`,
        name,
        name_norm: name,
        name_pinyin: 'x',
        gender: 'M',
        birth_date: '1980-01-01',
        household_id: h.id,
        relation: i === 0 ? 'HEAD' : 'CHILD',
        snapshot_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    personIds.push(p.id);
  }
  return { householdId: h.id, householdNo, personIds };
}

/** A match row of a made-up delivery (matches has no foreign keys: T0006). */
export async function addMatch(
  db: Database,
  personId: number | null,
  at: Date,
  method: 'ID' | 'FALLBACK' | 'MANUAL' | 'REVIEW' | 'UNMATCHED' = 'ID',
): Promise<void> {
  seq += 1;
  await db
    .insertInto('matches')
    .values({
      import_id: 999_000 + seq,
      row_no: 2,
      person_id: personId,
      method,
      score: 1,
      evidence: '{}',
      matched_at: at,
    })
    .execute();
}

export interface TaskSpec {
  townId: number;
  householdId?: number | null;
  /** A hand-opened case of a person outside the register. */
  subject?: { name: string; idNumber: string };
  at: Date;
  dueAt: Date;
  severity?: Severity;
  source?: TaskSource;
}

/** A task and its `open` event (the tasks row's state is set as a workflow would leave it). */
export async function openTask(db: Database, spec: TaskSpec): Promise<number> {
  const source = spec.source ?? (spec.subject ? 'WALK_IN' : 'ALERT');
  const t = await db
    .insertInto('tasks')
    .values({
      household_id: spec.householdId ?? null,
      town_id: spec.townId,
      status: 'NEW',
      severity: spec.severity ?? 'medium',
      assigned_to: null,
      due_at: spec.dueAt,
      outcome: null,
      aid_amount: null,
      paperwork_due_at: null,
      approved_by: null,
      approved_at: null,
      created_at: spec.at,
      closed_at: null,
      source,
      reason: spec.subject ? '来访求助' : null,
      subject_name: spec.subject?.name ?? null,
      subject_id_number: spec.subject?.idNumber ?? null,
      subject_address: spec.subject ? '西街1号' : null,
      subject_village: null,
      created_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await event(db, t.id, {
    from: null,
    to: 'NEW',
    action: 'open',
    at: spec.at,
    townId: spec.townId,
    detail: { dueAt: spec.dueAt.toISOString(), source },
  });
  return t.id;
}

export async function event(
  db: Database,
  taskId: number,
  e: {
    from: TaskEventStatus | null;
    to: TaskEventStatus;
    action: string;
    at: Date;
    townId?: number | null;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await db
    .insertInto('task_events')
    .values({
      task_id: taskId,
      from_status: e.from,
      to_status: e.to,
      action: e.action,
      actor: 'test',
      actor_user_id: null,
      town_id: e.townId ?? null,
      note: null,
      detail: JSON.stringify(e.detail ?? {}),
      at: e.at,
    })
    .execute();
}

/** claim + start_visit, an hour apart from `at`. */
export async function startWork(db: Database, taskId: number, at: Date): Promise<void> {
  await event(db, taskId, { from: 'NEW', to: 'ASSIGNED', action: 'claim', at });
  await event(db, taskId, {
    from: 'ASSIGNED',
    to: 'IN_PROGRESS',
    action: 'start_visit',
    at: new Date(at.getTime() + 3600_000),
  });
}

/** IN_PROGRESS → CLOSED with an outcome (the tasks row follows). */
export async function closeTask(
  db: Database,
  taskId: number,
  at: Date,
  outcome: TaskOutcome,
  aidAmount: number | null = null,
): Promise<void> {
  await event(db, taskId, {
    from: 'IN_PROGRESS',
    to: 'CLOSED',
    action: 'close',
    at,
    detail: { outcome, aidAmount, paperworkDueAt: null },
  });
  await db
    .updateTable('tasks')
    .set({ status: 'CLOSED', outcome, aid_amount: aidAmount, closed_at: at })
    .where('id', '=', taskId)
    .execute();
  await closeAlerts(db, taskId, at);
}

/** A closed task's open alerts close (as raise-alerts does when the household's next signal comes). */
async function closeAlerts(db: Database, taskId: number, at: Date): Promise<void> {
  await db
    .updateTable('alerts')
    .set({ status: 'CLOSED', updated_at: at })
    .where('task_id', '=', taskId)
    .where('status', '=', 'OPEN')
    .execute();
}

/** 一事一议: close → PENDING_APPROVAL, then approve → CLOSED. */
export async function closeCaseByCase(
  db: Database,
  taskId: number,
  closeAt: Date,
  approveAt: Date,
  aidAmount: number,
): Promise<void> {
  const detail = { outcome: 'CASE_BY_CASE', aidAmount };
  await event(db, taskId, {
    from: 'IN_PROGRESS',
    to: 'PENDING_APPROVAL',
    action: 'close',
    at: closeAt,
    detail,
  });
  await event(db, taskId, {
    from: 'PENDING_APPROVAL',
    to: 'CLOSED',
    action: 'approve',
    at: approveAt,
    detail,
  });
  await db
    .updateTable('tasks')
    .set({ status: 'CLOSED', outcome: 'CASE_BY_CASE', aid_amount: aidAmount, closed_at: approveAt })
    .where('id', '=', taskId)
    .execute();
  await closeAlerts(db, taskId, approveAt);
}

/** The two events of a transfer (one instant, as one transaction writes them). */
export async function transferTask(
  db: Database,
  taskId: number,
  from: TaskEventStatus,
  at: Date,
  fromTownId: number,
  toTownId: number,
  dueAt: Date,
): Promise<void> {
  await event(db, taskId, { from, to: 'TRANSFERRED', action: 'transfer', at, detail: { toTownId } });
  await event(db, taskId, {
    from: 'TRANSFERRED',
    to: 'NEW',
    action: 'transfer',
    at,
    townId: toTownId,
    detail: { dueAt: dueAt.toISOString(), fromTownId },
  });
  await db
    .updateTable('tasks')
    .set({ town_id: toTownId, status: 'NEW', due_at: dueAt })
    .where('id', '=', taskId)
    .execute();
}

export interface SignalSpec {
  code: string;
  feed: string;
  /** Default: the alert's created_at. */
  at?: Date;
}

/** An alert (of a task, or SUPPRESSED without one) and its signals, linked. */
export async function addAlert(
  db: Database,
  spec: { householdId: number; taskId: number | null; at: Date; signals: SignalSpec[]; suppressed?: boolean },
): Promise<number> {
  const a = await db
    .insertInto('alerts')
    .values({
      household_id: spec.householdId,
      task_id: spec.taskId,
      severity: 'medium',
      status: spec.suppressed ? 'SUPPRESSED' : 'OPEN',
      created_at: spec.at,
      updated_at: spec.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await attachSignals(
    db,
    a.id,
    spec.householdId,
    spec.signals.map((s) => ({ ...s, at: s.at ?? spec.at })),
  );
  return a.id;
}

/** Signals created at their instants and linked to an alert. */
export async function attachSignals(
  db: Database,
  alertId: number,
  householdId: number,
  signals: Array<Required<SignalSpec>>,
): Promise<void> {
  for (const s of signals) {
    seq += 1;
    const row = await db
      .insertInto('signals')
      .values({
        feed: s.feed,
        person_id: null,
        household_id: householdId,
        code: s.code,
        source_period: `2023-01-${String((seq % 28) + 1).padStart(2, '0')}`,
        severity: 'medium',
        import_id: null,
        row_no: null,
        evidence: '{}',
        created_at: s.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`insert into alert_signals (signal_id, alert_id) values (${row.id}, ${alertId})`.execute(db);
  }
}
