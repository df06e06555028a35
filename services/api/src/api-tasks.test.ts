// The task workflow over HTTP (domain §5): every action from every state by every kind of user,
// against a table of who-may-what written out here by hand (not read from the code under test);
// the town scope on every route that takes an id; stale and concurrent actions; the paths of
// aid, case-by-case approval, paperwork, transfer and hand-opened cases; the queue's order,
// filters and cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { TaskStatus } from '@ew/db';
import { isoDateInShanghai, markOverdue } from '@ew/casework';
import { addDelivery, addHousehold, evaluateDelivery, makeId } from '@ew/pipeline/rules/rules.fixture';
import { bearer, startApiTest, TOWN_A, TOWN_B, type ApiTest, type Who } from './api.fixture.ts';
import { eventsOf, seedTask } from './casework.fixture.ts';

let api: ApiTest;
const ids: Record<Who, number> = { admin: 0, sysadmin: 0, supervisor: 0, ops: 0, cwA: 0, cwA2: 0, cwB: 0 };
const db = () => api.t.ctx.database.db;

beforeAll(async () => {
  api = await startApiTest();
  const users = await db().selectFrom('users').select(['id', 'username']).execute();
  const byName = (n: string) => users.find((u) => u.username === n)!.id;
  Object.assign(ids, {
    admin: byName('admin1'),
    supervisor: byName('super1'),
    ops: byName('ops1'),
    cwA: byName('cw-a'),
    cwA2: byName('cw-a2'),
    cwB: byName('cw-b'),
  });
});
afterAll(async () => {
  await api?.close();
});

function get(url: string, who: Who) {
  return api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
}
function post(url: string, who: Who, payload: object = {}) {
  return api.app.inject({ method: 'POST', url, headers: bearer(api.tokens[who]), payload });
}

const today = () => isoDateInShanghai(new Date());

/** A valid body of each action. */
const BODIES: Record<string, () => object> = {
  claim: () => ({}),
  assign: () => ({ userId: ids.cwA2 }),
  'start-visit': () => ({}),
  visits: () => ({ visitedOn: today(), met: '户主本人', verified: { income: '务工收入每月约800元' } }),
  transfer: () => ({ townId: api.towns.B, reason: '全户已迁至西河镇居住' }),
  close: () => ({ outcome: 'NOT_ELIGIBLE', note: '收入超过标准' }),
  approve: () => ({}),
  return: () => ({ note: '金额需复核' }),
  paperwork: () => ({ note: '已补齐申请书和收入证明' }),
};

/**
 * Who may take each action in which state, as domain §5 says it (cwA is the assignee of every
 * seeded task that has one; cwA2 a colleague in the same town; cwB another town's caseworker).
 */
const MAY: Record<string, Partial<Record<TaskStatus, Who[]>>> = {
  claim: { NEW: ['cwA', 'cwA2'] },
  assign: { NEW: ['supervisor'], ASSIGNED: ['supervisor'], IN_PROGRESS: ['supervisor'] },
  'start-visit': { ASSIGNED: ['cwA'] },
  visits: { IN_PROGRESS: ['cwA'] },
  transfer: {
    NEW: ['supervisor', 'cwA', 'cwA2'],
    ASSIGNED: ['supervisor', 'cwA', 'cwA2'],
    IN_PROGRESS: ['supervisor', 'cwA', 'cwA2'],
  },
  close: { IN_PROGRESS: ['cwA'] },
  approve: { PENDING_APPROVAL: ['supervisor'] },
  return: { PENDING_APPROVAL: ['supervisor'] },
  paperwork: { CLOSED: ['cwA', 'supervisor'] },
};
const ACTION_OF: Record<string, string> = {
  'start-visit': 'start_visit',
  visits: 'record_visit',
  paperwork: 'record_paperwork',
};
const STATES: TaskStatus[] = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL', 'CLOSED'];
const EVERYONE: Who[] = ['cwA', 'cwA2', 'cwB', 'supervisor', 'admin', 'ops'];

async function taskIn(status: TaskStatus) {
  return seedTask(db(), {
    town: TOWN_A,
    status,
    assignedTo: status === 'NEW' ? null : ids.cwA,
    ...(status === 'PENDING_APPROVAL' ? { outcome: 'CASE_BY_CASE' as const, aidAmount: 30000 } : {}),
    // a closed emergency aid with its paperwork still due: the one closed state with an action
    ...(status === 'CLOSED'
      ? { outcome: 'TEMP_AID_EMERGENCY' as const, aidAmount: 2000, paperworkDueInDays: 5 }
      : {}),
  });
}

describe('every action × state × user', () => {
  it('allows exactly what domain §5 allows, answers 409 / 403 / 404 otherwise, and writes one event per step', async () => {
    const failures: string[] = [];
    for (const [path, may] of Object.entries(MAY)) {
      for (const state of STATES) {
        for (const who of EVERYONE) {
          const { taskId } = await taskIn(state);
          const before = await eventsOf(db(), taskId);
          const res = await post(`/tasks/${taskId}/${path}`, who, BODIES[path]!());
          const expected =
            who === 'admin' || who === 'ops'
              ? 403
              : who === 'cwB'
                ? 404
                : may[state] === undefined
                  ? 409
                  : may[state]!.includes(who)
                    ? 200
                    : 403;
          const after = await eventsOf(db(), taskId);
          const steps = res.statusCode === 200 ? (path === 'transfer' ? 2 : 1) : 0;
          if (res.statusCode !== expected || after.length - before.length !== steps) {
            failures.push(
              `${path} ${state} by ${who}: ${res.statusCode} (expected ${expected}), ${after.length - before.length} events`,
            );
          }
          if (res.statusCode === 200) {
            const action = ACTION_OF[path] ?? path;
            expect(after.slice(before.length).every((e) => e.action === action)).toBe(true);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("shows each user the actions they may take now (the task page's buttons)", async () => {
    for (const state of STATES) {
      const { taskId } = await taskIn(state);
      for (const who of ['cwA', 'cwA2', 'supervisor'] as const) {
        const res = await get(`/tasks/${taskId}`, who);
        expect(res.statusCode).toBe(200);
        const expected = Object.entries(MAY)
          .filter(([, may]) => may[state]?.includes(who))
          .map(([path]) => ACTION_OF[path] ?? path)
          .sort();
        expect(
          [...res.json<{ allowedActions: string[] }>().allowedActions].sort(),
          `${state} ${who}`,
        ).toEqual(expected);
      }
    }
  });

  it('a closed task without paperwork due takes no action at all', async () => {
    const { taskId } = await seedTask(db(), {
      town: TOWN_A,
      status: 'CLOSED',
      assignedTo: ids.cwA,
      outcome: 'NOT_FOUND',
    });
    expect((await post(`/tasks/${taskId}/paperwork`, 'cwA')).statusCode).toBe(409);
    expect(
      (await get(`/tasks/${taskId}`, 'cwA')).json<{ allowedActions: string[] }>().allowedActions,
    ).toEqual([]);
  });
});

describe('the town scope on every route that takes an id', () => {
  /**
   * Routes whose ids are not of a town (role-guarded: a caseworker may not call them at all); the
   * queue board's are queue names and job ids (ADMIN and OPS only).
   */
  const NOT_TOWN_SCOPED = [/^\/imports\//, /^\/reviews\//, /^\/users\//, /^\/admin\/queues\//];

  it("answers 404 to a caseworker for another town's task on every such route", async () => {
    const { taskId, personIds } = await seedTask(db(), {
      town: TOWN_B,
      status: 'IN_PROGRESS',
      assignedTo: ids.cwB,
    });
    const routes = api.app.routeCatalogue.filter((r) => r.url.includes(':') && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(5);
    const checked: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(':id', String(taskId));
      if (NOT_TOWN_SCOPED.some((re) => re.test(route.url))) {
        const res = await api.app.inject({
          method: route.method as 'GET',
          url,
          headers: bearer(api.tokens.cwA),
          payload: {},
        });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
        continue;
      }
      const segment = route.url.split('/').at(-1)!;
      const body =
        route.method === 'GET'
          ? undefined
          : segment === 'reveal'
            ? { personId: personIds[0], reason: '核对身份' }
            : BODIES[segment]?.();
      expect(
        route.method === 'GET' || body !== undefined,
        `no test body for ${route.method} ${route.url}: add one`,
      ).toBe(true);
      const res = await api.app.inject({
        method: route.method as 'GET',
        url,
        headers: bearer(api.tokens.cwA),
        ...(body === undefined ? {} : { payload: body }),
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
      // and the town's own caseworker is not refused by scope
      const own = await api.app.inject({
        method: route.method as 'GET',
        url,
        headers: bearer(api.tokens.cwB),
        ...(body === undefined ? {} : { payload: body }),
      });
      expect(own.statusCode, `own town: ${route.method} ${route.url}`).not.toBe(404);
      checked.push(`${route.method} ${route.url}`);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['GET /tasks/:id', 'POST /tasks/:id/close', 'POST /tasks/:id/reveal']),
    );
  });

  it('keeps the queue and the counts to the caseworker’s own town', async () => {
    await seedTask(db(), { town: TOWN_B });
    const list = (await get('/tasks?limit=200', 'cwA')).json<{ tasks: Array<{ town: string }> }>().tasks;
    expect(list.length).toBeGreaterThan(0);
    expect(new Set(list.map((t) => t.town))).toEqual(new Set([TOWN_A]));
    // naming another town narrows, never widens
    expect(
      (await get(`/tasks?town=${encodeURIComponent(TOWN_B)}`, 'cwA')).json<{ tasks: unknown[] }>().tasks,
    ).toEqual([]);
    const towns = (await get('/towns/summary', 'cwA')).json<{ towns: Array<{ town: string }> }>().towns;
    expect(towns.map((t) => t.town)).toEqual([TOWN_A]);
    const all = (await get('/towns/summary', 'supervisor')).json<{ towns: Array<{ town: string }> }>().towns;
    expect(all.map((t) => t.town).sort()).toEqual([TOWN_A, TOWN_B].sort());
  });
});

describe('OpenAPI', () => {
  it('documents every route the app registers (a new route without a schema fails here)', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { summary?: string }>>;
    }>();
    const missing = api.app.routeCatalogue
      .filter(
        (r) =>
          r.method !== 'HEAD' &&
          r.url !== '/openapi.json' &&
          !r.url.startsWith('/console') &&
          // the queue dashboard (bull-board, routes/queue-board.ts) is a third-party page and its
          // own JSON API, hidden from the document (`schema: { hide: true }`), not part of ours
          !r.url.startsWith('/admin/queues') &&
          r.url !== '/' &&
          !r.url.includes('*'),
      )
      .filter(
        (r) => doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]?.summary === undefined,
      )
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });
});

describe('stale and concurrent actions', () => {
  it('refuses an action on a version the task has left (409 TASK_STALE), changing nothing', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, status: 'ASSIGNED', assignedTo: ids.cwA });
    const v0 = (await get(`/tasks/${taskId}`, 'cwA')).json<{ version: number }>().version;
    expect((await post(`/tasks/${taskId}/start-visit`, 'cwA', { version: v0 })).statusCode).toBe(200);
    const stale = await post(`/tasks/${taskId}/assign`, 'supervisor', { userId: ids.cwA2, version: v0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<{ error: { code: string } }>().error.code).toBe('TASK_STALE');
    const task = await db()
      .selectFrom('tasks')
      .select(['assigned_to', 'version', 'status'])
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(task).toEqual({ assigned_to: ids.cwA, version: v0 + 1, status: 'IN_PROGRESS' });
  });

  it('two closes at once: one 200, one 409, one close event', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, status: 'IN_PROGRESS', assignedTo: ids.cwA });
    const version = (await get(`/tasks/${taskId}`, 'cwA')).json<{ version: number }>().version;
    const [a, b] = await Promise.all([
      post(`/tasks/${taskId}/close`, 'cwA', { outcome: 'INCLUDED_MARGINAL', version }),
      post(`/tasks/${taskId}/close`, 'cwA', { outcome: 'NOT_ELIGIBLE', version }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const closes = (await eventsOf(db(), taskId)).filter((e) => e.action === 'close');
    expect(closes).toHaveLength(1);
    const winner = a.statusCode === 200 ? 'INCLUDED_MARGINAL' : 'NOT_ELIGIBLE';
    expect(closes[0]!.detail).toMatchObject({ outcome: winner, aidAmount: null });
  });
});

describe('a pipeline-raised task worked to the end', () => {
  it('claim → start visit → record a visit → close with expense aid; events, audit and alerts follow', async () => {
    const household = await addHousehold(db(), { town: TOWN_A, members: ['1980-01-01', '2009-05-05'] });
    const payload = {
      school: '一中',
      stage: 'JUNIOR',
      status: 'DROPPED_OUT',
      annual_fees: null,
      aid_received: null,
    };
    const { importId } = await addDelivery(db(), {
      feed: 'education',
      period: '2023-06-30',
      rows: [{ personId: household.personIds[1]!, payload }],
    });
    await evaluateDelivery(api.t.ctx, importId);
    const { id: taskId } = await db()
      .selectFrom('tasks')
      .select('id')
      .where('household_id', '=', household.householdId)
      .executeTakeFirstOrThrow();

    // the pipeline keeps the task's codes (the queue's priority)
    expect((await get(`/tasks/${taskId}`, 'cwA')).json()).toMatchObject({
      codes: ['EDU_DROPOUT'],
      codeCount: 1,
      source: 'ALERT',
    });

    expect((await post(`/tasks/${taskId}/claim`, 'cwA')).json()).toMatchObject({
      task: { status: 'ASSIGNED', assignedTo: { id: ids.cwA, username: 'cw-a' } },
    });
    expect((await post(`/tasks/${taskId}/start-visit`, 'cwA')).statusCode).toBe(200);
    const visit = await post(`/tasks/${taskId}/visits`, 'cwA', {
      visitedOn: today(),
      met: '户主及其配偶',
      verified: { income: '父亲务工，月收入约1500元', housing: '自有住房', health: '无重病' },
      notes: '子女辍学在家，已联系学校',
    });
    expect(visit.statusCode).toBe(200);
    const closed = await post(`/tasks/${taskId}/close`, 'cwA', {
      outcome: 'TEMP_AID_EXPENSE',
      aidAmount: 3000.5,
      note: '发放支出型临时救助',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json<{ task: object }>().task).toMatchObject({
      status: 'CLOSED',
      outcome: 'TEMP_AID_EXPENSE',
      aidAmount: 3000.5,
    });

    const detail = (await get(`/tasks/${taskId}`, 'cwA')).json<{
      household: { members: Array<{ name: string; idNumberMasked: string; age: number; relation: string }> };
      visits: Array<{ met: string; verified: Record<string, string> }>;
      events: Array<{ action: string; from: string | null; to: string; detail: Record<string, unknown> }>;
      alerts: Array<{ status: string }>;
      closedAt: string | null;
    }>();
    expect(detail.events.map((e) => [e.action, e.from, e.to])).toEqual([
      ['open', null, 'NEW'],
      ['claim', 'NEW', 'ASSIGNED'],
      ['start_visit', 'ASSIGNED', 'IN_PROGRESS'],
      ['record_visit', 'IN_PROGRESS', 'IN_PROGRESS'],
      ['close', 'IN_PROGRESS', 'CLOSED'],
    ]);
    // the events carry what reports read: the deadline at open, the outcome and amount at close
    expect(Date.parse(String(detail.events[0]!.detail.dueAt))).toBeGreaterThan(Date.now());
    expect(detail.events[4]!.detail).toMatchObject({ outcome: 'TEMP_AID_EXPENSE', aidAmount: 3000.5 });
    expect(detail.visits).toEqual([
      expect.objectContaining({
        met: '户主及其配偶',
        verified: expect.objectContaining({ housing: '自有住房' }),
      }),
    ]);
    expect(detail.household.members).toHaveLength(2);
    expect(detail.household.members[0]!.idNumberMasked).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    expect(detail.household.members[1]!.age).toBeGreaterThanOrEqual(14);
    expect(detail.alerts.every((a) => a.status === 'CLOSED')).toBe(true);
    expect(detail.closedAt).not.toBeNull();
    const audits = await db()
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('subject_type', '=', 'task')
      .where('subject_id', '=', String(taskId))
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.action)).toEqual([
      'task.claim',
      'task.start_visit',
      'task.record_visit',
      'task.close',
    ]);
    expect(new Set(audits.map((a) => a.actor_user_id))).toEqual(new Set([ids.cwA]));
  });
});

describe('closing with an outcome', () => {
  async function inProgress() {
    return (await seedTask(db(), { town: TOWN_A, status: 'IN_PROGRESS', assignedTo: ids.cwA })).taskId;
  }
  const code = (res: { json: () => unknown }) => (res.json() as { error: { code: string } }).error.code;

  it('refuses aid without an amount, an amount without aid, more than two decimals, and large aid outside 一事一议', async () => {
    const id = await inProgress();
    expect(code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'TEMP_AID_EXPENSE' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'NOT_ELIGIBLE', aidAmount: 100 }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'TEMP_AID_EXPENSE', aidAmount: 10.123 })),
    ).toBe('VALIDATION_FAILED');
    expect(code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'TEMP_AID_EXPENSE', aidAmount: 0 }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'TEMP_AID_EXPENSE', aidAmount: 25000 })),
    ).toBe('AMOUNT_NEEDS_CASE_BY_CASE');
    expect(
      code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'INCLUDED_MARGINAL', paperworkDue: true })),
    ).toBe('VALIDATION_FAILED');
    expect(code(await post(`/tasks/${id}/close`, 'cwA', { outcome: 'SOMETHING' }))).toBe('VALIDATION_FAILED');
    const task = await db()
      .selectFrom('tasks')
      .select(['status', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(task.status).toBe('IN_PROGRESS');
    expect((await eventsOf(db(), id)).map((e) => e.action)).toEqual(['open']);
  });

  it('一事一议 waits for a supervisor: return sends it back with a note, approval closes it', async () => {
    const id = await inProgress();
    const pending = await post(`/tasks/${id}/close`, 'cwA', {
      outcome: 'CASE_BY_CASE',
      aidAmount: 50000,
      note: '重病医疗支出',
    });
    expect(pending.json()).toMatchObject({
      task: { status: 'PENDING_APPROVAL', outcome: 'CASE_BY_CASE', aidAmount: 50000, closedAt: null },
    });
    expect(
      (await get('/tasks?status=PENDING_APPROVAL&limit=200', 'supervisor'))
        .json<{ tasks: Array<{ taskId: number }> }>()
        .tasks.map((t) => t.taskId),
    ).toContain(id);
    expect((await post(`/tasks/${id}/return`, 'supervisor', {})).statusCode).toBe(400); // a return needs a note
    expect(
      (await post(`/tasks/${id}/return`, 'supervisor', { note: '请补充医疗费用票据' })).json(),
    ).toMatchObject({
      task: { status: 'IN_PROGRESS', outcome: null, aidAmount: null },
    });
    await post(`/tasks/${id}/close`, 'cwA', { outcome: 'CASE_BY_CASE', aidAmount: 48000 });
    const approved = await post(`/tasks/${id}/approve`, 'supervisor', { note: '同意' });
    expect(approved.json()).toMatchObject({
      task: { status: 'CLOSED', outcome: 'CASE_BY_CASE', aidAmount: 48000 },
    });
    const events = await eventsOf(db(), id);
    expect(events.map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ['open', null, 'NEW'],
      ['close', 'IN_PROGRESS', 'PENDING_APPROVAL'],
      ['return', 'PENDING_APPROVAL', 'IN_PROGRESS'],
      ['close', 'IN_PROGRESS', 'PENDING_APPROVAL'],
      ['approve', 'PENDING_APPROVAL', 'CLOSED'],
    ]);
    expect(events.at(-1)!.detail).toMatchObject({ outcome: 'CASE_BY_CASE', aidAmount: 48000 });
    const row = await db()
      .selectFrom('tasks')
      .select(['approved_by', 'closed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.approved_by).toBe(ids.supervisor);
    expect(row.closed_at).not.toBeNull();
  });

  it('急难型 先行救助、后补充说明: closes with paperwork due in 10 days, listed until recorded, overdue after', async () => {
    const id = await inProgress();
    const res = await post(`/tasks/${id}/close`, 'cwA', {
      outcome: 'TEMP_AID_EMERGENCY',
      aidAmount: 1500,
      paperworkDue: true,
    });
    const task = res.json<{ task: { status: string; paperworkDueAt: string; paperworkOverdue: boolean } }>()
      .task;
    expect(task.status).toBe('CLOSED');
    const days = (Date.parse(task.paperworkDueAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
    const listed = (await get('/paperwork?limit=200', 'cwA')).json<{ tasks: Array<{ taskId: number }> }>()
      .tasks;
    expect(listed.map((t) => t.taskId)).toContain(id);
    // past its deadline it is overdue, and the scheduled step notes it once
    await db()
      .updateTable('tasks')
      .set({ paperwork_due_at: sql<Date>`now() - interval '1 day'` })
      .where('id', '=', id)
      .execute();
    expect(
      (await get('/paperwork?overdue=true&limit=200', 'cwA'))
        .json<{ tasks: Array<{ taskId: number }> }>()
        .tasks.map((t) => t.taskId),
    ).toContain(id);
    const first = await markOverdue(db());
    expect(first.paperworkMarked).toBeGreaterThanOrEqual(1);
    const again = await markOverdue(db());
    expect(again.paperworkMarked).toBe(0);
    expect((await post(`/tasks/${id}/paperwork`, 'cwA', { note: '已补齐' })).statusCode).toBe(200);
    expect(
      (await get('/paperwork?limit=200', 'cwA'))
        .json<{ tasks: Array<{ taskId: number }> }>()
        .tasks.map((t) => t.taskId),
    ).not.toContain(id);
    expect((await post(`/tasks/${id}/paperwork`, 'cwA')).statusCode).toBe(409);
    expect((await eventsOf(db(), id)).map((e) => e.action)).toEqual([
      'open',
      'close',
      'paperwork_overdue',
      'record_paperwork',
    ]);
  });
});

describe('transfer (转办)', () => {
  it('hands the task to the other town as NEW with a fresh deadline; the household moves; the old town loses sight of it', async () => {
    const { taskId, householdId } = await seedTask(db(), {
      town: TOWN_A,
      status: 'IN_PROGRESS',
      assignedTo: ids.cwA,
      severity: 'medium',
      dueInDays: -2,
    });
    await markOverdue(db());
    const res = await post(`/tasks/${taskId}/transfer`, 'cwA', {
      townId: api.towns.B,
      reason: '全户已迁至西河镇',
    });
    expect(res.json()).toMatchObject({
      task: { status: 'NEW', town: TOWN_B, assignedTo: null, overdue: false },
    });
    const events = await eventsOf(db(), taskId);
    expect(events.slice(-2).map((e) => [e.action, e.from_status, e.to_status, e.town_id])).toEqual([
      ['transfer', 'IN_PROGRESS', 'TRANSFERRED', null],
      ['transfer', 'TRANSFERRED', 'NEW', api.towns.B],
    ]);
    const due = Date.parse(String(events.at(-1)!.detail.dueAt));
    expect((due - Date.now()) / 86_400_000).toBeGreaterThan(9.9); // medium: 10 days from NEW in the new town
    expect(
      (
        await db()
          .selectFrom('households')
          .select('town_id')
          .where('id', '=', householdId)
          .executeTakeFirstOrThrow()
      ).town_id,
    ).toBe(api.towns.B);
    expect((await get(`/tasks/${taskId}`, 'cwA')).statusCode).toBe(404);
    expect((await get(`/tasks/${taskId}`, 'cwB')).json()).toMatchObject({
      status: 'NEW',
      allowedActions: ['claim', 'transfer'],
    });
    expect(
      (await post(`/tasks/${taskId}/transfer`, 'supervisor', { townId: api.towns.B, reason: 'x' }))
        .statusCode,
    ).toBe(400);
  });
});

describe('一门受理: cases opened by hand', () => {
  it('opens a walk-in case for a person outside the register, in the caseworker’s own town only', async () => {
    const res = await post('/tasks', 'cwA', {
      source: 'WALK_IN',
      reason: '本人来访，称丈夫重病住院，家庭无收入',
      subject: { name: '刘桂兰', townId: api.towns.A, address: '城关镇东街5号', village: '东街社区' },
    });
    expect(res.statusCode).toBe(201);
    const task = res.json<{
      task: {
        taskId: number;
        status: string;
        source: string;
        subjectName: string;
        householdNo: null;
        village: string;
      };
    }>().task;
    expect(task).toMatchObject({
      status: 'NEW',
      source: 'WALK_IN',
      subjectName: '刘**',
      householdNo: null,
      village: '东街社区',
    });
    const detail = (await get(`/tasks/${task.taskId}`, 'cwA')).json<{
      subject: { name: string };
      reason: string;
      events: Array<{ action: string; detail: Record<string, unknown> }>;
    }>();
    expect(detail.subject.name).toBe('刘桂兰');
    expect(detail.events[0]).toMatchObject({ action: 'open', detail: { source: 'WALK_IN' } });
    // same workflow from here
    expect((await post(`/tasks/${task.taskId}/claim`, 'cwA')).statusCode).toBe(200);
    // an ID given with spaces is stored normalised, and shown in full only through a reveal
    const id = makeId('1975-02-03');
    const withId = await post('/tasks', 'cwA', {
      source: 'PHONE',
      reason: '电话求助，称家中无收入',
      subject: {
        name: '赵六',
        idNumber: `${id.slice(0, 6)} ${id.slice(6)}`,
        townId: api.towns.A,
        address: '城关镇西街2号',
      },
    });
    const withIdTask = withId.json<{ task: { taskId: number } }>().task.taskId;
    expect((await post(`/tasks/${withIdTask}/reveal`, 'cwA', { reason: '核对身份' })).json()).toEqual({
      idNumber: id,
    });
    expect(
      (
        await post('/tasks', 'cwA', {
          source: 'PHONE',
          reason: '电话求助',
          subject: { name: '王五', townId: api.towns.B, address: '西河镇' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await post('/tasks', 'cwA', {
          source: 'PHONE',
          reason: '电话求助',
          subject: { name: '王五', townId: api.towns.A, address: 'x', idNumber: '123' },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('opens a village committee’s report for a register household, but not a second open task', async () => {
    const household = await addHousehold(db(), { town: TOWN_A });
    const { household_no } = await db()
      .selectFrom('households')
      .select('household_no')
      .where('id', '=', household.householdId)
      .executeTakeFirstOrThrow();
    const res = await post('/tasks', 'supervisor', {
      source: 'VILLAGE_REPORT',
      reason: '村委会反映：户主因病失能',
      householdNo: household_no,
      severity: 'high',
    });
    expect(res.json()).toMatchObject({
      task: {
        status: 'NEW',
        source: 'VILLAGE_REPORT',
        severity: 'high',
        householdNo: household_no,
        town: TOWN_A,
      },
    });
    expect(
      (await post('/tasks', 'cwA', { source: 'WALK_IN', reason: '再次来访', householdNo: household_no }))
        .statusCode,
    ).toBe(409);
    expect(
      (await post('/tasks', 'cwB', { source: 'WALK_IN', reason: '来访', householdNo: household_no }))
        .statusCode,
    ).toBe(404);
  });
});

describe('reveal', () => {
  it('shows one full ID number to the town’s caseworker with a reason, audited; never without one', async () => {
    const { taskId, personIds } = await seedTask(db(), { town: TOWN_A });
    const person = await db()
      .selectFrom('persons')
      .select('id_number')
      .where('id', '=', personIds[0]!)
      .executeTakeFirstOrThrow();
    expect((await post(`/tasks/${taskId}/reveal`, 'cwA', { personId: personIds[0] })).statusCode).toBe(400);
    const res = await post(`/tasks/${taskId}/reveal`, 'cwA', {
      personId: personIds[0],
      reason: '入户核对身份证',
    });
    expect(res.json()).toEqual({ idNumber: person.id_number });
    const entry = await db()
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'detail'])
      .where('action', '=', 'person.reveal')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_user_id: ids.cwA, detail: { taskId, reason: '入户核对身份证' } });
    const other = await seedTask(db(), { town: TOWN_B });
    expect(
      (await post(`/tasks/${taskId}/reveal`, 'cwA', { personId: other.personIds[0], reason: '核对' }))
        .statusCode,
    ).toBe(404);
  });
});

describe('the queue', () => {
  it('orders by severity, then distinct codes, then deadline; filters; pages by cursor without gaps or repeats', async () => {
    const town = '南山镇';
    await db()
      .insertInto('towns')
      .values({ name: town })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const t = async (
      severity: 'high' | 'medium' | 'low',
      codes: string[],
      dueInDays: number,
      village = '一村',
    ) => (await seedTask(db(), { town, severity, codes, dueInDays, village })).taskId;
    const medium = await t('medium', ['HR_UNEMPLOYED', 'MED_EXPENSE', 'EDU_EXPENSE'], 1);
    const highOne = await t('high', ['EDU_DROPOUT'], 1);
    const highThreeLate = await t('high', ['EDU_DROPOUT', 'MED_EXPENSE', 'HR_UNEMPLOYED'], 3, '二村');
    const highThreeEarly = await t('high', ['EDU_DROPOUT', 'MED_EXPENSE', 'ASSET_REVIEW'], 2);
    const highOverdue = await t('high', ['EDU_DROPOUT'], -1);
    const low = await t('low', ['INCOME_MARGINAL'], 5, '二村');
    const townId = (
      await db().selectFrom('towns').select('id').where('name', '=', town).executeTakeFirstOrThrow()
    ).id;
    const order = [highThreeEarly, highThreeLate, highOverdue, highOne, medium, low];

    const pages: number[] = [];
    let cursor: string | null = null;
    let pageCount = 0;
    do {
      const q: string = `/tasks?townId=${townId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(q, 'supervisor')).json<{
        tasks: Array<{ taskId: number }>;
        nextCursor: string | null;
      }>();
      pages.push(...page.tasks.map((x) => x.taskId));
      cursor = page.nextCursor;
      pageCount += 1;
    } while (cursor !== null && pageCount < 10);
    expect(pages).toEqual(order);
    expect(pageCount).toBe(3);

    const ids = async (q: string) =>
      (await get(`/tasks?townId=${townId}&${q}`, 'supervisor'))
        .json<{ tasks: Array<{ taskId: number }> }>()
        .tasks.map((x) => x.taskId);
    expect(await ids('code=MED_EXPENSE')).toEqual([highThreeEarly, highThreeLate, medium]);
    expect(await ids('overdue=true')).toEqual([highOverdue]);
    expect(await ids(`village=${encodeURIComponent('二村')}`)).toEqual([highThreeLate, low]);
    expect(await ids('severity=low')).toEqual([low]);
    expect(await ids('source=WALK_IN')).toEqual([]);
    expect((await get('/tasks?cursor=bm9wZQ', 'supervisor')).statusCode).toBe(400);
    expect((await get('/tasks?status=DONE', 'supervisor')).statusCode).toBe(400);
    expect((await get('/tasks', 'ops')).statusCode).toBe(403);
  });

  it("shows a caseworker's own tasks with assignee=me", async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, status: 'ASSIGNED', assignedTo: ids.cwA2 });
    const mine = (await get('/tasks?assignee=me&limit=200', 'cwA2')).json<{
      tasks: Array<{ taskId: number; assignedTo: { id: number } }>;
    }>().tasks;
    expect(mine.map((x) => x.taskId)).toContain(taskId);
    expect(mine.every((x) => x.assignedTo.id === ids.cwA2)).toBe(true);
  });
});

describe('the overdue step', () => {
  it('notes each passed deadline once in the history, and counts what is overdue', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, dueInDays: -1 });
    const first = await markOverdue(db());
    expect(first.tasksMarked).toBeGreaterThanOrEqual(1);
    expect(first.tasksOverdue).toBeGreaterThanOrEqual(1);
    expect((await markOverdue(db())).tasksMarked).toBe(0);
    expect((await eventsOf(db(), taskId)).map((e) => e.action)).toEqual(['open', 'overdue']);
    expect((await get(`/tasks/${taskId}`, 'cwA')).json()).toMatchObject({ overdue: true });
  });
});
