// Towns, users and the audit log (contract "Auth"):
//
//   GET /towns                                   any signed-in user → {towns: [{id, name}]}
//   GET /users?role=&town=                       ADMIN, SUPERVISOR → {users: [...]}
//   GET /audit?actor=&action=&subjectType=&subjectId=&from=&to=&cursor=&limit=
//                                                ADMIN → {entries: [...], nextCursor}
//
// The audit log pages newest first by id (keyset: `cursor` is the last id of the previous page).
// `action` is one action of the vocabulary (@ew/accounts audit.ts) or a family such as `task.*`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AUDIT_ACTION_FAMILIES, isAuditAction, listUsers, USER_ROLES } from '@ew/accounts';
import type { UserRole } from '@ew/db';
import { requireRole, requireUser } from '../auth.ts';
import { ApiError, parseInput } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';
import { dbId } from './params.ts';

const usersQuery = z.strictObject({
  role: z.enum(USER_ROLES as [UserRole, ...UserRole[]]).optional(),
  /** A town id, or its name as the register spells it. */
  town: z.string().min(1).max(100).optional(),
});

const auditQuery = z.strictObject({
  /** The actor as the log names them: a username, or `cli:<operator>`. */
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .refine(
      (v) => isAuditAction(v) || (v.endsWith('.*') && AUDIT_ACTION_FAMILIES.includes(v.slice(0, -2))),
      'an audit action (auth.login, task.claim, …) or a family (task.*)',
    )
    .optional(),
  subjectType: z.string().min(1).max(64).optional(),
  subjectId: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: dbId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function peopleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;

  app.get(
    '/towns',
    {
      onRequest: requireUser(db),
      schema: routeSchema({ summary: 'The towns of the register', tags: ['people'] }),
    },
    async () => ({
      towns: await db.selectFrom('towns').select(['id', 'name']).orderBy('name').execute(),
    }),
  );

  app.get(
    '/users',
    {
      onRequest: requireRole(db, 'ADMIN', 'SUPERVISOR'),
      schema: routeSchema({ summary: 'Users by role and town', tags: ['people'], querystring: usersQuery }),
    },
    async (request) => {
      const q = parseInput(usersQuery, request.query, 'query');
      let townId: number | undefined;
      if (q.town !== undefined) {
        const towns = db.selectFrom('towns').select('id');
        const town = await (
          /^\d{1,9}$/.test(q.town) ? towns.where('id', '=', Number(q.town)) : towns.where('name', '=', q.town)
        ).executeTakeFirst();
        if (town === undefined) throw new ApiError('TOWN_UNKNOWN', `no town ${q.town}`);
        townId = town.id;
      }
      const users = await listUsers(db, {
        ...(q.role === undefined ? {} : { role: q.role }),
        ...(townId === undefined ? {} : { townId }),
      });
      // how a user signs in is the CLI's business, not the console's
      return { users: users.map(({ hasPassword: _p, hasToken: _t, ...u }) => u) };
    },
  );

  app.get(
    '/audit',
    {
      onRequest: requireRole(db, 'ADMIN'),
      schema: routeSchema({
        summary: 'The audit log, newest first',
        tags: ['people'],
        querystring: auditQuery,
      }),
    },
    async (request) => {
      const q = parseInput(auditQuery, request.query, 'query');
      let query = db
        .selectFrom('audit_log')
        .select(['id', 'at', 'actor', 'actor_user_id', 'action', 'subject_type', 'subject_id', 'detail'])
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
      if (q.action !== undefined) {
        query = q.action.endsWith('.*')
          ? query.where('action', 'like', `${q.action.slice(0, -1)}%`)
          : query.where('action', '=', q.action);
      }
      if (q.subjectType !== undefined) query = query.where('subject_type', '=', q.subjectType);
      if (q.subjectId !== undefined) query = query.where('subject_id', '=', q.subjectId);
      if (q.from !== undefined) query = query.where('at', '>=', new Date(q.from));
      if (q.to !== undefined) query = query.where('at', '<', new Date(q.to));
      if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      return {
        entries: page.map((r) => ({
          id: r.id,
          at: r.at,
          actor: r.actor,
          actorUserId: r.actor_user_id,
          action: r.action,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          detail: r.detail,
        })),
        nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null,
      };
    },
  );
}
