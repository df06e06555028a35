// Feed imports (issue 3 points 1 and 6): upload (ADMIN), list, report and rejects CSV (ADMIN,
// SUPERVISOR).
//
// An upload streams to a spool file on the file store's volume (never whole in memory, capped at
// maxUploadBytes), then `requestImport` stores it by sha256 and records the import job in the
// outbox in one transaction; the relay moves the job to BullMQ at once. The spool file is removed
// whatever happens.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ImportStatus } from '@ew/db';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { importReport, rejectsCsv } from '@ew/pipeline/imports/import-report';
import { audit } from '@ew/accounts';
import { operatorOf, requireRole, userOf } from '../auth.ts';
import { ApiError, parseInput } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';
import { idParams } from './params.ts';

const IMPORT_STATUSES = [
  'QUEUED',
  'STAGING',
  'STAGED',
  'MATCHING',
  'MATCHED',
  'EVALUATED',
  'REFUSED',
  'FAILED',
  'REPLACED',
] as const satisfies readonly ImportStatus[];

const uploadFields = z.strictObject({
  feed: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'a feed name such as hr or medical'),
  period: z.string().min(4).max(20),
  replace: z.stringbool().optional(),
});

const listQuery = z.strictObject({
  feed: z.string().max(64).optional(),
  status: z.enum(IMPORT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  beforeId: z.coerce.number().int().positive().optional(),
});

interface Upload {
  path: string;
  fileName: string;
}

export function importRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, ctx } = deps;
  const readers = requireRole(db, 'DATA_ADMIN', 'SUPERVISOR');

  app.post(
    '/imports',
    {
      onRequest: requireRole(db, 'DATA_ADMIN'),
      schema: routeSchema({
        summary: 'Upload a delivery of a feed (multipart: feed, period, replace?, then the file)',
        tags: ['imports'],
        body: uploadFields.extend({ file: z.string().meta({ format: 'binary' }) }),
        consumes: ['multipart/form-data'],
      }),
    },
    async (request, reply) => {
      const user = userOf(request);
      if (!request.isMultipart()) {
        throw new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send multipart/form-data with fields feed, period (and replace) and the file',
        );
      }
      await mkdir(deps.uploadDir, { recursive: true });
      const spool = await mkdtemp(join(deps.uploadDir, 'upload-'));
      let answer: { status: number; body: Record<string, unknown> };
      try {
        const { fields, upload } = await receiveUpload(request, spool, deps.maxUploadBytes);
        const input = parseInput(uploadFields, fields, 'body');
        if (upload === null) throw new ApiError('FILE_MISSING', 'the upload has no file part');
        const result = await requestImport(ctx, {
          feed: input.feed,
          period: input.period,
          file: upload.path,
          fileName: upload.fileName,
          replace: input.replace ?? false,
          requestedBy: user.username,
          requestedByUserId: user.id,
        });
        if (result.outcome === 'ALREADY_IMPORTED') {
          answer = {
            status: 200,
            body: { importId: result.importId, outcome: result.outcome, status: result.status },
          };
        } else {
          // the job is in the outbox (committed): relaying now only saves the worker's next pass
          const relay = await deps.producer.relay();
          answer = {
            status: 202,
            body: {
              importId: result.importId,
              outcome: result.outcome,
              replacesImportId: result.replacesImportId,
              queued: !('error' in relay),
            },
          };
        }
      } finally {
        // before answering: the file store has its own copy by now, or the request failed
        await rm(spool, { recursive: true, force: true });
      }
      return reply.status(answer.status).send(answer.body);
    },
  );

  app.get(
    '/imports',
    {
      onRequest: readers,
      schema: routeSchema({ summary: 'Imports, newest first', tags: ['imports'], querystring: listQuery }),
    },
    async (request) => {
      const q = parseInput(listQuery, request.query, 'query');
      let query = db
        .selectFrom('imports')
        .select([
          'id',
          'feed',
          'period',
          'file_name',
          'status',
          'error_code',
          'rows_read',
          'rows_accepted',
          'rows_rejected',
          'rows_duplicate',
          'replaces_import_id',
          'requested_by',
          'created_at',
          'finished_at',
        ])
        .orderBy('id', 'desc')
        .limit(q.limit);
      if (q.feed !== undefined) query = query.where('feed', '=', q.feed);
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.execute();
      return {
        imports: rows.map((r) => ({
          importId: r.id,
          feed: r.feed,
          period: r.period,
          fileName: r.file_name,
          status: r.status,
          errorCode: r.error_code,
          rowsRead: r.rows_read,
          rowsAccepted: r.rows_accepted,
          rowsRejected: r.rows_rejected,
          rowsDuplicate: r.rows_duplicate,
          replacesImportId: r.replaces_import_id,
          requestedBy: r.requested_by,
          createdAt: r.created_at,
          finishedAt: r.finished_at,
        })),
      };
    },
  );

  // the import report (with its header warnings); /report is the same under its own name
  const report = async (request: FastifyRequest) => {
    const { id } = parseInput(idParams, request.params, 'params');
    const found = await importReport(db, id);
    if (found === null) throw new ApiError('NOT_FOUND', `no import ${id}`);
    return found;
  };
  const reportSchema = routeSchema({
    summary: 'The report of one import',
    tags: ['imports'],
    params: idParams,
  });
  app.get('/imports/:id', { onRequest: readers, schema: reportSchema }, report);
  app.get('/imports/:id/report', { onRequest: readers, schema: reportSchema }, report);

  app.get(
    '/imports/:id/rejects.csv',
    {
      onRequest: readers,
      schema: routeSchema({
        summary: 'The rejected rows of an import as CSV (audited)',
        tags: ['imports'],
        params: idParams,
      }),
    },
    async (request, reply) => {
      const { id } = parseInput(idParams, request.params, 'params');
      const imp = await db
        .selectFrom('imports')
        .select(['id', 'feed', 'period', 'rows_rejected'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (imp === undefined) throw new ApiError('NOT_FOUND', `no import ${id}`);
      const rejects = await db
        .selectFrom('import_rejects')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('import_id', '=', id)
        .executeTakeFirstOrThrow();
      await audit(db, {
        ...operatorOf(request),
        action: 'export.import_rejects',
        subjectType: 'import',
        subjectId: id,
        detail: { feed: imp.feed, period: imp.period, rejects: rejects.n },
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="import-${id}-${imp.feed}-${imp.period}-rejects.csv"`,
        )
        .send(Readable.from(rejectsCsv(db, id)));
    },
  );
}

/** Streams the multipart parts: fields into a record, the one file part into `spool`/file. */
async function receiveUpload(
  request: FastifyRequest,
  spool: string,
  maxBytes: number,
): Promise<{ fields: Record<string, string>; upload: Upload | null }> {
  const fields: Record<string, string> = {};
  let upload: Upload | null = null;
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes } })) {
      if (part.type === 'file') {
        const path = join(spool, 'file');
        await pipeline(part.file, createWriteStream(path));
        // with throwFileSizeLimit (the default) an oversized file has thrown already; belt and braces
        if (part.file.truncated)
          throw new ApiError('PAYLOAD_TOO_LARGE', `the file is over ${maxBytes} bytes`);
        upload = { path, fileName: cleanFileName(part.filename) };
      } else {
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (err) {
    // limits (413) and our own errors keep their codes; a disk error (it has a syscall) is ours (500);
    // what is left is busboy refusing the body ("Unexpected end of form", "Malformed part header")
    const e = err as { statusCode?: unknown; syscall?: unknown; message?: unknown };
    if (err instanceof ApiError || e.statusCode !== undefined || e.syscall !== undefined) throw err;
    throw new ApiError('BAD_REQUEST', `malformed multipart body: ${String(e.message)}`, undefined, err);
  }
  return { fields, upload };
}

/** The name the department gave the file, without any client path; a fallback when absent. */
function cleanFileName(name: string | undefined): string {
  const printable = [...(name ?? '')].filter((c) => c >= ' ' && c !== '\u007f').join('');
  const base = basename(printable.replaceAll('\\', '/')).trim();
  return base === '' ? 'upload' : base.slice(0, 255);
}
