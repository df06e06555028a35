// Investigation tasks (domain §5), read-only but for claiming:
//   GET  /tasks           the queue: CASEWORKER their town's, SUPERVISOR all towns (optional town filter)
//   GET  /tasks/:id       one task with its history and its alerts explained (masked)
//   POST /tasks/:id/claim a caseworker of the task's town takes a NEW task (→ ASSIGNED to self)
//
// A caseworker's town is a condition in the SQL of every query (never a filter afterwards); a
// task of another town is "not found" to them (404, not 403: its existence is not disclosed).
// The full workflow (visit, close with outcome, transfer, reassign) is a later issue.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TaskStatus } from '@ew/db';
import { explainAlert } from '@ew/pipeline/alerts/explain';
import { requireRole, townScope, userOf } from '../auth.ts';
import { audit } from '@ew/accounts';
import { ApiError, parseInput } from '../errors.ts';
import type { ApiDeps } from '../app.ts';
import { idParams, queryFlag } from './params.ts';

const TASK_STATUSES = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED'] as const satisfies readonly TaskStatus[];

const listQuery = z.strictObject({
  /** One status, or OPEN (the default): every status but CLOSED. */
  status: z.enum([...TASK_STATUSES, 'OPEN']).default('OPEN'),
  overdue: queryFlag.optional(),
  /** Supervisors: one town by name. (For a caseworker it can only narrow their own town.) */
  town: z.string().min(1).max(100).optional(),
  /** Only tasks assigned to the caller. */
  mine: queryFlag.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const claimBody = z.strictObject({ note: z.string().max(2000).optional() });

/** Open and past its deadline. */
const OVERDUE = sql<boolean>`(t.status <> 'CLOSED' and t.due_at < now())`;

export function taskRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;
  const readers = requireRole(db, 'CASEWORKER', 'SUPERVISOR');

  /** Tasks with what the queue shows; `scope` = the caseworker's town (null: all towns). */
  function taskQuery(scope: number | null) {
    let query = db
      .selectFrom('tasks as t')
      .innerJoin('households as h', 'h.id', 't.household_id')
      .innerJoin('towns as tw', 'tw.id', 't.town_id')
      .leftJoin('users as u', 'u.id', 't.assigned_to')
      .select([
        't.id',
        't.status',
        't.severity',
        't.due_at',
        't.created_at',
        't.closed_at',
        't.outcome',
        'h.household_no',
        'tw.name as town',
        'u.username as assigned_to',
        OVERDUE.as('overdue'),
        sql<string[]>`coalesce((
          select array_agg(distinct s.code order by s.code)
            from alerts a join alert_signals l on l.alert_id = a.id join signals s on s.id = l.signal_id
           where a.task_id = t.id), '{}')`.as('codes'),
      ]);
    if (scope !== null) query = query.where('t.town_id', '=', scope);
    return query;
  }

  type TaskRow = Awaited<ReturnType<ReturnType<typeof taskQuery>['execute']>>[number];
  const view = (r: TaskRow) => ({
    taskId: r.id,
    status: r.status,
    severity: r.severity,
    dueAt: r.due_at,
    overdue: r.overdue,
    createdAt: r.created_at,
    closedAt: r.closed_at,
    outcome: r.outcome,
    householdNo: r.household_no,
    town: r.town,
    assignedTo: r.assigned_to,
    codes: r.codes,
  });

  app.get('/tasks', { onRequest: readers }, async (request) => {
    const user = userOf(request);
    const q = parseInput(listQuery, request.query, 'query');
    let query = taskQuery(townScope(user))
      .orderBy('t.due_at')
      .orderBy('t.id')
      .limit(q.limit)
      .offset(q.offset);
    query =
      q.status === 'OPEN' ? query.where('t.status', '<>', 'CLOSED') : query.where('t.status', '=', q.status);
    if (q.overdue !== undefined) query = query.where(q.overdue ? OVERDUE : sql<boolean>`not ${OVERDUE}`);
    if (q.town !== undefined) query = query.where('tw.name', '=', q.town);
    if (q.mine === true) query = query.where('t.assigned_to', '=', user.id);
    const rows = await query.execute();
    return { tasks: rows.map(view) };
  });

  app.get('/tasks/:id', { onRequest: readers }, async (request) => {
    const user = userOf(request);
    const { id } = parseInput(idParams, request.params, 'params');
    const task = await taskQuery(townScope(user)).where('t.id', '=', id).executeTakeFirst();
    if (task === undefined) throw new ApiError('NOT_FOUND', `no task ${id}`);
    const [events, alertIds] = await Promise.all([
      db
        .selectFrom('task_events')
        .select(['from_status', 'to_status', 'actor', 'note', 'at'])
        .where('task_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute(),
      db.selectFrom('alerts').select('id').where('task_id', '=', id).orderBy('id').execute(),
    ]);
    const alerts = [];
    for (const a of alertIds) {
      const explained = await explainAlert(db, a.id);
      if (explained !== null) alerts.push(explained);
    }
    return {
      ...view(task),
      events: events.map((e) => ({
        from: e.from_status,
        to: e.to_status,
        actor: e.actor,
        note: e.note,
        at: e.at,
      })),
      alerts,
    };
  });

  app.post('/tasks/:id/claim', { onRequest: requireRole(db, 'CASEWORKER') }, async (request) => {
    const user = userOf(request);
    const scope = townScope(user);
    const { id } = parseInput(idParams, request.params, 'params');
    const { note } = parseInput(claimBody, request.body ?? {}, 'body');
    return db.transaction().execute(async (trx) => {
      let locked = trx
        .selectFrom('tasks')
        .select(['id', 'status', 'assigned_to'])
        .where('id', '=', id)
        .forUpdate();
      if (scope !== null) locked = locked.where('town_id', '=', scope);
      const task = await locked.executeTakeFirst();
      if (task === undefined) throw new ApiError('NOT_FOUND', `no task ${id}`);
      if (task.status === 'ASSIGNED' && task.assigned_to === user.id) {
        return { taskId: id, status: task.status, assignedTo: user.username, changed: false };
      }
      if (task.status !== 'NEW') {
        throw new ApiError(
          'TASK_NOT_CLAIMABLE',
          task.status === 'ASSIGNED'
            ? `task ${id} is already assigned to another caseworker`
            : `task ${id} is ${task.status}; only a NEW task can be claimed`,
        );
      }
      await trx
        .updateTable('tasks')
        .set({ status: 'ASSIGNED', assigned_to: user.id })
        .where('id', '=', id)
        .execute();
      await trx
        .insertInto('task_events')
        .values({
          task_id: id,
          from_status: 'NEW',
          to_status: 'ASSIGNED',
          action: 'claim',
          actor_user_id: user.id,
          actor: user.username,
          note: note ?? null,
          detail: JSON.stringify({ via: 'claim', assignedTo: user.id }),
        })
        .execute();
      await audit(trx, {
        actor: user.username,
        action: 'task.claim',
        subjectType: 'task',
        subjectId: id,
        detail: { from: 'NEW', to: 'ASSIGNED', assignedTo: user.id },
      });
      return { taskId: id, status: 'ASSIGNED' as const, assignedTo: user.username, changed: true };
    });
  });
}
