// Tasks over HTTP: a caseworker sees their own town only (in the list, and 404 for another town's
// task), a supervisor sees all; a task explained with its alert, masked; claiming NEW → ASSIGNED
// with a task event and an audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDelivery, addHousehold, evaluateDelivery } from '@ew/pipeline/rules/rules.fixture';
import { bearer, startApiTest, TOWN_A, TOWN_B, type ApiTest, type Who } from './api.fixture.ts';

let api: ApiTest;
const tasks = { A: 0, B: 0 };

interface TaskView {
  taskId: number;
  town: string;
  householdNo: string;
  status: string;
  severity: string;
  overdue: boolean;
  codes: string[];
  assignedTo: string | null;
}

beforeAll(async () => {
  api = await startApiTest();
  const db = api.t.ctx.database.db;
  // one dropped-out pupil per town: an EDU_DROPOUT alert and a NEW task in each
  const a = await addHousehold(db, { town: TOWN_A, members: ['1980-01-01', '2009-05-05'] });
  const b = await addHousehold(db, { town: TOWN_B, members: ['1981-01-01', '2010-05-05'] });
  const payload = {
    school: '一中',
    stage: 'JUNIOR',
    status: 'DROPPED_OUT',
    annual_fees: null,
    aid_received: null,
  };
  const { importId } = await addDelivery(db, {
    feed: 'education',
    period: '2023-06-30',
    rows: [
      { personId: a.personIds[1]!, payload },
      { personId: b.personIds[1]!, payload },
    ],
  });
  await evaluateDelivery(api.t.ctx, importId);
  const rows = await db.selectFrom('tasks').select(['id', 'household_id']).execute();
  tasks.A = rows.find((r) => r.household_id === a.householdId)!.id;
  tasks.B = rows.find((r) => r.household_id === b.householdId)!.id;
});
afterAll(async () => {
  await api?.close();
});

function get(url: string, who: Who) {
  return api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
}
function claim(id: number, who: Who, payload?: object) {
  return api.app.inject({
    method: 'POST',
    url: `/tasks/${id}/claim`,
    headers: bearer(api.tokens[who]),
    ...(payload ? { payload } : {}),
  });
}

describe('GET /tasks', () => {
  it("gives a caseworker their own town's tasks only", async () => {
    const res = await get('/tasks', 'cwA');
    expect(res.statusCode).toBe(200);
    const list = res.json<{ tasks: TaskView[] }>().tasks;
    expect(list).toEqual([
      expect.objectContaining({
        taskId: tasks.A,
        town: TOWN_A,
        status: 'NEW',
        severity: 'high',
        overdue: false,
        codes: ['EDU_DROPOUT'],
        assignedTo: null,
      }),
    ]);
    // naming another town narrows, never widens
    const other = await get(`/tasks?town=${encodeURIComponent(TOWN_B)}`, 'cwA');
    expect(other.json<{ tasks: TaskView[] }>().tasks).toEqual([]);
  });

  it('gives a supervisor every town, or one town on request', async () => {
    const all = (await get('/tasks', 'supervisor')).json<{ tasks: TaskView[] }>().tasks;
    expect(all.map((t) => t.taskId).sort()).toEqual([tasks.A, tasks.B].sort());
    const b = (await get(`/tasks?town=${encodeURIComponent(TOWN_B)}`, 'supervisor')).json<{
      tasks: TaskView[];
    }>().tasks;
    expect(b.map((t) => t.taskId)).toEqual([tasks.B]);
  });

  it('filters overdue tasks', async () => {
    const db = api.t.ctx.database.db;
    await db
      .updateTable('tasks')
      .set({ due_at: new Date(Date.now() - 3_600_000) })
      .where('id', '=', tasks.B)
      .execute();
    const overdue = (await get('/tasks?overdue=true', 'supervisor')).json<{ tasks: TaskView[] }>().tasks;
    expect(overdue.map((t) => [t.taskId, t.overdue])).toEqual([[tasks.B, true]]);
    const notOverdue = (await get('/tasks?overdue=false', 'supervisor')).json<{ tasks: TaskView[] }>().tasks;
    expect(notOverdue.map((t) => t.taskId)).toEqual([tasks.A]);
    expect((await get('/tasks?overdue=true', 'cwA')).json<{ tasks: TaskView[] }>().tasks).toEqual([]);
  });

  it('validates the query (400 with the paths)', async () => {
    const res = await get('/tasks?status=DONE&limit=0&colour=red', 'supervisor');
    expect(res.statusCode).toBe(400);
    const issues = res.json<{ error: { issues: Array<{ path: unknown[] }> } }>().error.issues;
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([['query', 'status'], ['query', 'limit'], ['query']]),
    );
  });
});

describe('GET /tasks/:id', () => {
  it('answers 404 for a task of another town, as for one that does not exist', async () => {
    for (const url of [`/tasks/${tasks.B}`, '/tasks/999999']) {
      const res = await get(url, 'cwA');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('explains the task: its alert, signals with rule and source, identities masked', async () => {
    const res = await get(`/tasks/${tasks.A}`, 'cwA');
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      taskId: number;
      events: Array<{ from: string | null; to: string; actor: string }>;
      alerts: Array<{ signals: Array<{ code: string; person: { idNumber: string; name: string } }> }>;
    }>();
    expect(body.taskId).toBe(tasks.A);
    expect(body.events).toEqual([expect.objectContaining({ from: null, to: 'NEW', actor: 'system' })]);
    expect(body.alerts).toHaveLength(1);
    const signal = body.alerts[0]!.signals[0]!;
    expect(signal.code).toBe('EDU_DROPOUT');
    expect(signal.person.idNumber).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    expect(signal.person.name).toMatch(/^张\*+$/);
    expect(res.body).not.toMatch(/\d{17}[\dX]/);
  });
});

describe('POST /tasks/:id/claim', () => {
  it("refuses another town's task (404) and a supervisor (403)", async () => {
    expect((await claim(tasks.B, 'cwA')).statusCode).toBe(404);
    expect((await claim(tasks.A, 'supervisor')).statusCode).toBe(403);
  });

  it('assigns a NEW task to the claiming caseworker, with a task event and an audit row', async () => {
    const res = await claim(tasks.A, 'cwA', { note: '明天走访' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ taskId: tasks.A, status: 'ASSIGNED', assignedTo: 'cw-a', changed: true });

    const db = api.t.ctx.database.db;
    const task = await db
      .selectFrom('tasks')
      .innerJoin('users', 'users.id', 'tasks.assigned_to')
      .select(['tasks.status', 'users.username'])
      .where('tasks.id', '=', tasks.A)
      .executeTakeFirstOrThrow();
    expect(task).toEqual({ status: 'ASSIGNED', username: 'cw-a' });
    const events = await db
      .selectFrom('task_events')
      .select(['from_status', 'to_status', 'actor', 'note', 'at'])
      .where('task_id', '=', tasks.A)
      .where('to_status', '=', 'ASSIGNED')
      .execute();
    expect(events).toEqual([
      { from_status: 'NEW', to_status: 'ASSIGNED', actor: 'cw-a', note: '明天走访', at: expect.any(Date) },
    ]);
    const audit = await db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'subject_id'])
      .where('action', '=', 'task.claim')
      .execute();
    expect(audit).toEqual([{ actor: 'cw-a', action: 'task.claim', subject_id: String(tasks.A) }]);

    const mine = (await get('/tasks?mine=true', 'cwA')).json<{ tasks: TaskView[] }>().tasks;
    expect(mine.map((t) => [t.taskId, t.assignedTo])).toEqual([[tasks.A, 'cw-a']]);
  });

  it('is a no-op for the same caseworker again, and 409 for a colleague', async () => {
    const again = await claim(tasks.A, 'cwA');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ changed: false });
    const colleague = await claim(tasks.A, 'cwA2');
    expect(colleague.statusCode).toBe(409);
    expect(colleague.json()).toMatchObject({ error: { code: 'TASK_NOT_CLAIMABLE' } });
    const events = await api.t.ctx.database.db
      .selectFrom('task_events')
      .select('id')
      .where('task_id', '=', tasks.A)
      .where('to_status', '=', 'ASSIGNED')
      .execute();
    expect(events).toHaveLength(1);
  });
});
