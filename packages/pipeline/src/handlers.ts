// The handler for every queue of the catalogue. Typed against it: a queue without a handler, or
// a handler for the wrong payload, fails typecheck; the runtime also refuses at boot.
import { UnrecoverableError } from 'bullmq';
import { raiseAlerts } from './alerts/raise-alerts.ts';
import type { AppContext } from './context.ts';
import { lastAttemptFailure, recordImportFailure } from './imports/fail-import.ts';
import { stageImport } from './imports/stage-import.ts';
import { afterRegisterSnapshot } from './register/after-snapshot.ts';
import { matchChunk } from './match/match-chunk.ts';
import { evaluateChunk } from './rules/evaluate-chunk.ts';
import { runStandardChange } from './rules/standard-change.ts';
import type { Handler, Handlers } from './runtime.ts';

/**
 * A refused or failed import can never succeed: UnrecoverableError, so BullMQ does not retry it
 * and the job fails with the reason. An error on the job's last attempt marks the import FAILED,
 * so nobody waits for it (`cli import` returns with the reason).
 */
const importHandler: Handler<'import'> = async (ctx: AppContext, payload, job) => {
  let result;
  try {
    result = await stageImport(ctx, payload, job);
  } catch (error) {
    if (job.finalAttempt) {
      const imp = await ctx.database.db
        .selectFrom('imports')
        .select('file_name')
        .where('id', '=', payload.importId)
        .executeTakeFirst();
      if (imp)
        await recordImportFailure(
          ctx.database.db,
          payload.importId,
          lastAttemptFailure(imp.file_name, error),
        );
    }
    throw error;
  }
  if (result.outcome === 'refused' || result.outcome === 'failed')
    throw new UnrecoverableError(result.message);
};

export const handlers: Handlers = {
  import: importHandler,
  match: (ctx, payload) => matchChunk(ctx, payload),
  evaluate: (ctx, payload) => evaluateChunk(ctx, payload),
  raiseAlerts: (ctx, payload) => raiseAlerts(ctx, payload),
  registerApplied: async (ctx, payload) => {
    await afterRegisterSnapshot(ctx, payload);
  },
  standardChange: async (ctx, payload) => {
    await runStandardChange(ctx, payload);
  },
};
