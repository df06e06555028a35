// Reports (issue 13, contract "Reporting periods"): the statistics table of a period as JSON, CSV
// and XLSX, the monthly work report (Markdown), the provincial platform export (audited) and the
// outcome feedback. SUPERVISOR and ADMIN; the platform export also DATA_ADMIN, whose file gets
// masked ID numbers (full ones only for SUPERVISOR and ADMIN).
import type { FastifyReply } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { routeSchema } from '../openapi.ts';
import {
  computeStats,
  monthId,
  monthlyReport,
  OUTCOME_DIMENSIONS,
  outcomeFeedback,
  outcomesCsv,
  periodId,
  platformExport,
  statsCsv,
  statsXlsx,
  dayId,
} from '@ew/reports';
import { requireRole, userOf } from '../auth.ts';
import { parseInput } from '../errors.ts';
import type { ApiDeps } from '../app.ts';

const periodQuery = z.strictObject({ period: periodId });
const monthQuery = z.strictObject({
  month: monthId,
  /** Aid at or above this amount is listed (default 5000). */
  largeAid: z.coerce.number().positive().max(10_000_000).optional(),
});
const platformQuery = z.strictObject({ period: periodId, format: z.enum(['csv', 'xlsx']).default('csv') });
const outcomesQuery = z.strictObject({
  by: z.enum(OUTCOME_DIMENSIONS).default('code'),
  from: dayId.optional(),
  to: dayId.optional(),
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function attachment(reply: FastifyReply, contentType: string, fileName: string, body: string | Buffer) {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .send(body);
}

const doc = (summary: string, querystring: z.ZodType) =>
  routeSchema({ summary, tags: ['reports'], querystring });

export function reportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, ctx } = deps;
  const readers = requireRole(db, 'SUPERVISOR', 'ADMIN');

  app.get(
    '/reports/stats',
    { onRequest: readers, schema: doc('统计表: one period, per town and total', periodQuery) },
    async (request) => {
      const { period } = parseInput(periodQuery, request.query, 'query');
      return computeStats(db, period);
    },
  );

  app.get(
    '/reports/stats.csv',
    { onRequest: readers, schema: doc('统计表 as CSV (formula-safe)', periodQuery) },
    async (request, reply) => {
      const { period } = parseInput(periodQuery, request.query, 'query');
      return attachment(
        reply,
        'text/csv; charset=utf-8',
        `stats-${period}.csv`,
        statsCsv(await computeStats(db, period)),
      );
    },
  );

  app.get(
    '/reports/stats.xlsx',
    { onRequest: readers, schema: doc('统计表 as XLSX', periodQuery) },
    async (request, reply) => {
      const { period } = parseInput(periodQuery, request.query, 'query');
      return attachment(reply, XLSX, `stats-${period}.xlsx`, await statsXlsx(await computeStats(db, period)));
    },
  );

  app.get(
    '/reports/monthly',
    { onRequest: readers, schema: doc('工作落实情况报告 of a month (Markdown)', monthQuery) },
    async (request, reply) => {
      const { month, largeAid } = parseInput(monthQuery, request.query, 'query');
      const md = await monthlyReport(db, month, {
        district: ctx.config.district,
        ...(largeAid === undefined ? {} : { largeAidThreshold: largeAid }),
      });
      return reply.header('content-type', 'text/markdown; charset=utf-8').send(md);
    },
  );

  app.get(
    '/reports/platform-export',
    {
      onRequest: requireRole(db, 'SUPERVISOR', 'ADMIN', 'DATA_ADMIN'),
      schema: doc('Provincial platform export of a period (audited)', platformQuery),
    },
    async (request, reply) => {
      const user = userOf(request);
      const { period, format } = parseInput(platformQuery, request.query, 'query');
      const file = await platformExport(db, {
        period,
        format,
        actor: { username: user.username, role: user.role },
      });
      return attachment(reply, file.contentType, file.fileName, file.body);
    },
  );

  app.get(
    '/reports/outcomes',
    { onRequest: readers, schema: doc('Outcome feedback per code, feed or town', outcomesQuery) },
    async (request) => {
      const q = parseInput(outcomesQuery, request.query, 'query');
      return outcomeFeedback(db, { by: q.by, fromDay: q.from, toDay: q.to });
    },
  );

  app.get(
    '/reports/outcomes.csv',
    { onRequest: readers, schema: doc('Outcome feedback as CSV', outcomesQuery) },
    async (request, reply) => {
      const q = parseInput(outcomesQuery, request.query, 'query');
      const f = await outcomeFeedback(db, { by: q.by, fromDay: q.from, toDay: q.to });
      return attachment(reply, 'text/csv; charset=utf-8', `outcomes-by-${q.by}.csv`, outcomesCsv(f));
    },
  );
}
