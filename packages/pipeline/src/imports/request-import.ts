// An import is requested (CLI or API upload): the file is stored by its sha256 and one import
// job is recorded in the outbox, in the same transaction as the import row.
import { basename } from 'node:path';
import { audit } from '@ew/accounts';
import { DomainError } from '@ew/core';
import { recordJob } from '@ew/queue';
import type { AppContext } from '../context.ts';
import { feedMapping } from '../context.ts';
import { storeFile } from '../files.ts';
import { parsePeriod } from './period.ts';

export interface ImportRequest {
  feed: string;
  /** YYYY-MM-DD, or YYYY-MM for the month's last day. */
  period: string;
  file: string;
  /** The name the department gave the file (an upload's original name). */
  fileName?: string;
  /** Replace the live delivery of the same feed and period with this corrected file. */
  replace?: boolean;
  requestedBy: string;
  /** The requesting user's id when a signed-in user asked (the audit log's actor_user_id). */
  requestedByUserId?: number | null;
}

export type ImportRequestResult =
  | { outcome: 'QUEUED'; importId: number; replacesImportId: number | null }
  | { outcome: 'ALREADY_IMPORTED'; importId: number; status: string };

/**
 * - `FEED_UNKNOWN`         no mapping for that feed (or the register, loaded elsewhere)
 * - `PERIOD_INVALID`       the period is not YYYY-MM or YYYY-MM-DD
 * - `DELIVERY_EXISTS`      the feed already has a delivery for that period (ask to replace it)
 * - `REGISTER_NOT_LOADED`  no register snapshot has been applied: nothing to match a feed against
 */
export type ImportRequestErrorCode =
  'FEED_UNKNOWN' | 'PERIOD_INVALID' | 'DELIVERY_EXISTS' | 'REGISTER_NOT_LOADED';

export class ImportRequestError extends DomainError<ImportRequestErrorCode> {}

export async function requestImport(ctx: AppContext, request: ImportRequest): Promise<ImportRequestResult> {
  if (request.feed === 'register') {
    throw new ImportRequestError(
      'FEED_UNKNOWN',
      'the register is loaded with `register import`, not as a feed',
    );
  }
  try {
    feedMapping(ctx, request.feed);
  } catch (error) {
    throw new ImportRequestError('FEED_UNKNOWN', (error as Error).message);
  }
  let period: string;
  try {
    period = parsePeriod(request.period);
  } catch (error) {
    throw new ImportRequestError('PERIOD_INVALID', (error as Error).message);
  }
  const register = await ctx.database.db
    .selectFrom('register_snapshots')
    .select('id')
    .where('status', '=', 'APPLIED')
    .limit(1)
    .executeTakeFirst();
  if (!register) {
    throw new ImportRequestError(
      'REGISTER_NOT_LOADED',
      `no household register has been loaded yet, so the ${request.feed} feed has nothing to be ` +
        'matched against; load a register snapshot first (`register import FILE`)',
    );
  }
  const stored = await storeFile(ctx.fileStoreDir, request.file);

  return ctx.database.db.transaction().execute(async (trx) => {
    // serialise requests for one feed and period
    await trx
      .selectNoFrom((eb) =>
        eb
          .fn('pg_advisory_xact_lock', [eb.fn('hashtext', [eb.val(`import:${request.feed}:${period}`)])])
          .as('l'),
      )
      .execute();
    const same = await trx
      .selectFrom('imports')
      .select(['id', 'status'])
      .where('feed', '=', request.feed)
      .where('period', '=', period)
      .where('file_sha256', '=', stored.sha256)
      .executeTakeFirst();
    if (same) return { outcome: 'ALREADY_IMPORTED', importId: same.id, status: same.status } as const;

    const live = await trx
      .selectFrom('imports')
      .select(['id'])
      .where('feed', '=', request.feed)
      .where('period', '=', period)
      .where('status', 'not in', ['REFUSED', 'FAILED', 'REPLACED'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (live && !request.replace) {
      throw new ImportRequestError(
        'DELIVERY_EXISTS',
        `the ${request.feed} feed already has a delivery for ${period} (import ${live.id}); ` +
          'to load a corrected file in its place, ask for a replacement (--replace)',
      );
    }
    const inserted = await trx
      .insertInto('imports')
      .values({
        feed: request.feed,
        period,
        file_sha256: stored.sha256,
        file_name: request.fileName ?? basename(request.file),
        stored_path: stored.storedPath,
        status: 'QUEUED',
        replaces_import_id: live?.id ?? null,
        requested_by: request.requestedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordJob(trx, 'import', { importId: inserted.id });
    await audit(trx, {
      actor: request.requestedBy,
      actorUserId: request.requestedByUserId ?? null,
      action: live === undefined ? 'import.request' : 'import.replace',
      subjectType: 'import',
      subjectId: inserted.id,
      detail: { feed: request.feed, period, sha256: stored.sha256, replaces: live?.id ?? null },
    });
    return { outcome: 'QUEUED', importId: inserted.id, replacesImportId: live?.id ?? null } as const;
  });
}
