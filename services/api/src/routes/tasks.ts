// Investigation tasks (domain §5) over HTTP. The workflow itself — who may do what in which state,
// the town scope, the queue's order — lives in @ew/casework; these routes parse input, name the
// caller and answer.
//   GET  /tasks                 the queue (caseworker: their town; supervisor: all towns), filtered, cursor-paged
//   GET  /tasks/:id             one task: household and members (masked IDs), visits, history, alerts explained,
//                               the actions the caller may take now
//   POST /tasks                 一门受理: open a case by hand (walk-in, village report, phone call)
//   POST /tasks/:id/<action>    claim, assign, start-visit, visits, transfer, close, approve, return, paperwork
//   POST /tasks/:id/reveal      one full ID number, with a reason (audited)
//   GET  /paperwork             emergency aid closed with its paperwork still due
//   GET  /towns/summary         open, overdue, unassigned, pending approval, paperwork — per town
// Another town's task answers 404 to a caseworker on every route (its existence is not disclosed).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { thresholdsAt } from '@ew/config';
import {
  act,
  actionInputs,
  detailChangesAt,
  isoDateInShanghai,
  listTasks,
  openCase,
  openCaseInput,
  queueChangesAt,
  queueFilter,
  revealIdNumber,
  revealInput,
  taskDetail,
  townCounts,
  type CaseworkPolicy,
  type QueueFilter,
  type UserAction,
} from '@ew/casework';
import { explainTaskAlerts } from '@ew/pipeline/alerts/explain';
import { requireRole, townScope, userOf, type ApiUser } from '../auth.ts';
import type { Built } from '../read-cache.ts';
import { parseInput } from '../errors.ts';
import type { ApiDeps } from '../app.ts';
import { routeSchema } from '../openapi.ts';
import { idParams } from './params.ts';

/** The URL segment of each action (`POST /tasks/:id/<segment>`). */
export const ACTION_PATHS: Record<UserAction, string> = {
  claim: 'claim',
  assign: 'assign',
  start_visit: 'start-visit',
  record_visit: 'visits',
  transfer: 'transfer',
  close: 'close',
  approve: 'approve',
  return: 'return',
  record_paperwork: 'paperwork',
};

/** The queue's query string: the casework filter, with `town` by id or by name. */
const listQuery = queueFilter.extend({ town: z.string().trim().min(1).max(100).optional() });

export function taskRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, ctx, readCache } = deps;
  const readers = requireRole(db, 'CASEWORKER', 'SUPERVISOR');

  /** A queue page as kept: true until a change in the caller's scope or a deadline passing in it. */
  const queueResponse = async (user: ApiUser, filter: QueueFilter): Promise<Built> => ({
    value: await listTasks(db, user, filter),
    townId: townScope(user),
    expiresAt: () => queueChangesAt(db, user),
  });

  /** Deadlines from the thresholds in force today; casework settings from the deployment config. */
  const policy = (): CaseworkPolicy => ({
    settings: ctx.config.casework,
    taskDeadlineDays: thresholdsAt(ctx.config, isoDateInShanghai(new Date())).values.taskDeadlineDays,
  });

  const doc = (summary: string, parts: Omit<Parameters<typeof routeSchema>[0], 'summary' | 'tags'> = {}) =>
    routeSchema({ summary, tags: ['tasks'], ...parts });

  app.get(
    '/tasks',
    {
      onRequest: readers,
      schema: doc('The task queue in priority order, filtered, cursor-paged', { querystring: listQuery }),
    },
    async (request, reply) => {
      const { town, ...filter } = parseInput(listQuery, request.query, 'query');
      const user = userOf(request);
      return readCache.respond(reply, '/tasks', `queue:${user.id}:${request.url}`, async () => {
        let townId = filter.townId;
        if (town !== undefined) {
          const found = /^\d{1,9}$/.test(town)
            ? { id: Number(town) }
            : await db.selectFrom('towns').select('id').where('name', '=', town).executeTakeFirst();
          townId = found?.id ?? -1;
        }
        return queueResponse(user, { ...filter, ...(townId === undefined ? {} : { townId }) });
      });
    },
  );

  app.get(
    '/tasks/:id',
    {
      onRequest: readers,
      schema: doc('One task: household, members, visits, history, alerts explained, allowed actions', {
        params: idParams,
      }),
    },
    async (request, reply) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const user = userOf(request);
      return readCache.respond(reply, '/tasks/:id', `task:${user.id}:${id}`, async () => {
        const detail = await taskDetail(db, user, id);
        // after the detail: its town scope decides whether the task exists for the caller
        const alerts = await explainTaskAlerts(db, id);
        return {
          value: { ...detail, alerts },
          townId: detail.townId,
          expiresAt: () => detailChangesAt(detail, new Date()),
        };
      });
    },
  );

  app.post(
    '/tasks',
    { onRequest: readers, schema: doc('一门受理: open a case by hand', { body: openCaseInput }) },
    async (request, reply) => {
      const input = parseInput(openCaseInput, request.body, 'body');
      const task = await openCase(db, policy(), userOf(request), input);
      return reply.status(201).send({ task });
    },
  );

  for (const action of Object.keys(ACTION_PATHS) as UserAction[]) {
    const schema = doc(`Task action ${action} (see the workflow table)`, {
      params: idParams,
      body: actionInputs[action],
    });
    app.post(`/tasks/:id/${ACTION_PATHS[action]}`, { onRequest: readers, schema }, async (request) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const input = parseInput(actionInputs[action], request.body ?? {}, 'body');
      const task = await act(db, policy(), userOf(request), id, action, input);
      return { task };
    });
  }

  app.post(
    '/tasks/:id/reveal',
    {
      onRequest: readers,
      schema: doc('One full ID number, with a reason (audited)', { params: idParams, body: revealInput }),
    },
    async (request) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const input = parseInput(revealInput, request.body, 'body');
      return revealIdNumber(db, userOf(request), id, input);
    },
  );

  const paperworkQuery = z.strictObject({
    overdue: z.stringbool().optional(),
    townId: z.coerce.number().int().positive().optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  });
  app.get(
    '/paperwork',
    {
      onRequest: readers,
      schema: doc('Emergency aid closed with its paperwork still due', { querystring: paperworkQuery }),
    },
    async (request, reply) => {
      const q = parseInput(paperworkQuery, request.query, 'query');
      const { overdue, ...rest } = q;
      const user = userOf(request);
      return readCache.respond(reply, '/paperwork', `paperwork:${user.id}:${request.url}`, () =>
        queueResponse(user, {
          ...rest,
          status: 'CLOSED',
          paperworkDue: true,
          ...(overdue === undefined ? {} : { paperworkOverdue: overdue }),
        }),
      );
    },
  );

  app.get(
    '/towns/summary',
    { onRequest: readers, schema: doc('Open, overdue, unassigned, pending approval and paperwork per town') },
    async (request) => ({
      towns: await townCounts(db, userOf(request)),
    }),
  );
}
