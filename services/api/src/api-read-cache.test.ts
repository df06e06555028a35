// Kept queue and task pages (read-cache.ts): sent again only while true. Every table the pages
// read carries the read-change trigger (found by Postgres's own counters of what a transaction
// scanned, so a new join cannot slip past); a page is sent again as kept until someone — another
// user over HTTP, or a write in SQL as the worker and the CLI make — changes what it shows, or a
// deadline passes; a kept page is never sent to another user; with the cache off the answers are
// the same.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTokenUser } from '@ew/accounts';
import { openDatabase } from '@ew/db';
import { listTasks, queueChangesAt, taskDetail } from '@ew/casework';
import { explainTaskAlerts } from '@ew/pipeline/alerts/explain';
import { addDelivery, addHousehold, DROPOUT_ROW, evaluateDelivery } from '@ew/pipeline/rules/rules.fixture';
import { bearer, startApiTest, TOWN_A, TOWN_B, type ApiTest, type Who } from './api.fixture.ts';
import { seedTask } from './casework.fixture.ts';

let api: ApiTest;
const db = () => api.t.ctx.database.db;
let alertTask: number;

beforeAll(async () => {
  api = await startApiTest();
  // a task raised by the pipeline: alerts, signals, the import they came from
  const h = await addHousehold(db(), { town: TOWN_A, members: ['1980-01-01', '2009-01-01'] });
  const { importId } = await addDelivery(db(), {
    feed: 'education',
    period: '2024-03-31',
    rows: [{ personId: h.personIds[1]!, payload: DROPOUT_ROW }],
  });
  await evaluateDelivery(api.t.ctx, importId);
  alertTask = (
    await db()
      .selectFrom('tasks')
      .select('id')
      .where('household_id', '=', h.householdId)
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string, who: Who = 'cwA', app = api.app) =>
  app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
const post = (url: string, who: Who, payload: object = {}) =>
  api.app.inject({ method: 'POST', url, headers: bearer(api.tokens[who]), payload });

/** The read cache's counters from /metrics: result → count, for one route. */
async function counted(route: string): Promise<Record<string, number>> {
  const text = (await get('/metrics', 'ops')).body;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^ew_api_read_cache_total\{route="([^"]+)",result="(\w+)"\} (\d+)$/gm)) {
    if (m[1] === route) out[m[2]!] = Number(m[3]);
  }
  return out;
}

interface Summary {
  taskId: number;
  status: string;
  overdue: boolean;
  village: string | null;
  assignedTo: { username: string } | null;
}

describe('the tables kept pages read', () => {
  it('each carries the read-change trigger (pg_stat_xact_user_tables of building a queue and a task page)', async () => {
    const cw = (await findTokenUser(db(), api.tokens.cwA))!;
    const supervisor = (await findTokenUser(db(), api.tokens.supervisor))!;
    await post(`/tasks/${alertTask}/claim`, 'cwA');
    await post(`/tasks/${alertTask}/start-visit`, 'cwA');
    await post(`/tasks/${alertTask}/visits`, 'cwA', {
      visitedOn: '2024-04-02',
      met: '户主',
      verified: { income: '务工收入不稳定' },
    });
    // a connection of its own: a backend's counters of earlier transactions wait to be flushed and
    // would show in pg_stat_xact_user_tables too
    const own = openDatabase(api.t.tdb.url, { max: 1 });
    const scanned = await own.db
      .transaction()
      .execute(async (trx) => {
        for (const user of [cw, supervisor]) {
          await listTasks(trx, user, {});
          await listTasks(trx, user, { overdue: true, village: '第1村', code: 'EDU_DROPOUT' });
          await listTasks(trx, user, { status: 'CLOSED', paperworkDue: true });
          await queueChangesAt(trx, user);
          const detail = await taskDetail(trx, user, alertTask);
          expect(detail.visits).toHaveLength(1);
          expect((await explainTaskAlerts(trx, alertTask)).length).toBeGreaterThan(0);
        }
        const { rows } = await sql<{ relname: string }>`
          select relname from pg_stat_xact_user_tables
           where coalesce(seq_scan, 0) + coalesce(idx_scan, 0) > 0 order by relname`.execute(trx);
        return rows.map((r) => r.relname);
      })
      .finally(() => own.close());
    const { rows: triggered } = await sql<{ relname: string }>`
      select distinct c.relname from pg_trigger g join pg_class c on c.oid = g.tgrelid
       where g.tgname like 'read_changes_%'`.execute(db());
    const withTrigger = new Set(triggered.map((r) => r.relname));
    expect(scanned).toEqual(
      expect.arrayContaining(['tasks', 'task_events', 'task_visits', 'alerts', 'signals']),
    );
    expect(scanned.filter((table) => !withTrigger.has(table))).toEqual([]);
  });
});

describe('a kept page', () => {
  it('is sent again while nothing changed, and rebuilt as soon as another user acts', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, village: '东村' });
    const before = await counted('/tasks');
    const first = await get('/tasks');
    const second = await get('/tasks');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.headers['cache-control']).toBe('no-store');
    const after = await counted('/tasks');
    expect((after['hit'] ?? 0) - (before['hit'] ?? 0)).toBe(1);

    // a colleague claims the task: the next page shows it claimed by them
    expect((await post(`/tasks/${taskId}/claim`, 'cwA2')).statusCode).toBe(200);
    const mine = (await get('/tasks')).json<{ tasks: Summary[] }>().tasks.find((t) => t.taskId === taskId);
    expect(mine).toMatchObject({ status: 'ASSIGNED', assignedTo: { username: 'cw-a2' } });
    expect((await counted('/tasks'))['stale']).toBeGreaterThan(after['stale'] ?? 0);
  });

  it('shows a write made in SQL (the register, a user) at once; another town’s write leaves it kept', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A, village: '南村' });
    const row = async () =>
      (await get('/tasks')).json<{ tasks: Summary[] }>().tasks.find((t) => t.taskId === taskId);
    expect((await row())?.village).toBe('南村');
    // a task of town B changes: town A's page is still the kept one
    await sql`update tasks set version = version + 1 where town_id = ${api.towns.B}`.execute(db());
    const hits = (await counted('/tasks'))['hit'] ?? 0;
    expect((await row())?.village).toBe('南村');
    expect((await counted('/tasks'))['hit']).toBe(hits + 1);
    // the register moves the household: every town's pages are rebuilt
    await sql`update households set village = '北村' where id = (select household_id from tasks where id = ${taskId})`.execute(
      db(),
    );
    expect((await row())?.village).toBe('北村');
  });

  it('a task page: rebuilt after a visit is recorded; kept per user', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_A });
    await post(`/tasks/${taskId}/claim`, 'cwA');
    await post(`/tasks/${taskId}/start-visit`, 'cwA');
    const page = async (who: Who) =>
      (await get(`/tasks/${taskId}`, who)).json<{ visits: unknown[]; allowedActions: string[] }>();
    const mine = await page('cwA');
    const colleague = await page('cwA2');
    // the same task, seen by two users: what each may do differs, each gets their own
    expect(mine.allowedActions).not.toEqual(colleague.allowedActions);
    expect(await page('cwA')).toEqual(mine);
    expect(await page('cwA2')).toEqual(colleague);
    // another town's caseworker: still 404 (a kept page of town A is never theirs)
    expect((await get(`/tasks/${taskId}`, 'cwB')).statusCode).toBe(404);
    await post(`/tasks/${taskId}/visits`, 'cwA', { visitedOn: '2024-04-03', met: '户主', verified: {} });
    expect((await page('cwA')).visits).toHaveLength(mine.visits.length + 1);
    expect((await page('cwA2')).visits).toHaveLength(mine.visits.length + 1);
  });

  it('ends when a deadline passes: the task turns overdue without any write', async () => {
    const { taskId } = await seedTask(db(), { town: TOWN_B });
    await sql`update tasks set due_at = now() + interval '1.5 seconds' where id = ${taskId}`.execute(db());
    const overdue = async () => ({
      queue: (await get('/tasks?severity=high', 'cwB'))
        .json<{ tasks: Summary[] }>()
        .tasks.find((t) => t.taskId === taskId)?.overdue,
      onlyOverdue: (await get('/tasks?overdue=true', 'cwB'))
        .json<{ tasks: Summary[] }>()
        .tasks.some((t) => t.taskId === taskId),
      page: (await get(`/tasks/${taskId}`, 'cwB')).json<Summary>().overdue,
    });
    expect(await overdue()).toEqual({ queue: false, onlyOverdue: false, page: false });
    expect(await overdue()).toEqual({ queue: false, onlyOverdue: false, page: false });
    await new Promise((r) => setTimeout(r, 1_700));
    expect(await overdue()).toEqual({ queue: true, onlyOverdue: true, page: true });
  });

  it('with the cache off (API_READ_CACHE_MB=0) the answers are the same', async () => {
    const off = await api.another({ readCacheBytes: 0 });
    for (const url of ['/tasks', '/tasks?overdue=false', `/tasks/${alertTask}`, '/paperwork']) {
      const [cached, uncached] = [await get(url), await get(url, 'cwA', off)];
      expect(uncached.statusCode).toBe(200);
      expect(uncached.body).toBe(cached.body);
    }
  });
});
