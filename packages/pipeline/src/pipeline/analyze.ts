// Fresh planner statistics after each stage's bulk writes. A stage writes tens of thousands of
// rows per chunk; autovacuum's analyze comes minutes later, and until then the planner takes the
// new import's rows for a handful and picks nested loops over them (the next stage, the console's
// queries). So when a stage finishes an import, the tables it wrote are ANALYZEd, after its
// commit (ANALYZE inside a stage transaction would hold its lock until the commit and make
// chunks of other imports wait). SKIP_LOCKED: when autovacuum or another worker's ANALYZE has
// the table, that one's statistics will do. A failure is logged, never fails the stage: its work
// is committed.
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';

/** The tables each stage writes in bulk. */
export const STAGE_TABLES = {
  staging: ['staged_rows', 'import_rejects'],
  match: ['matches', 'match_reviews'],
  evaluate: ['signals'],
  alerts: ['alerts', 'alert_signals', 'tasks', 'task_events'],
} as const satisfies Record<string, readonly string[]>;

export type AnalyzedStage = keyof typeof STAGE_TABLES;

export async function analyzeStageTables(
  ctx: Pick<AppContext, 'database' | 'logger'>,
  stage: AnalyzedStage,
  importId: number,
): Promise<void> {
  const tables = STAGE_TABLES[stage];
  const started = Date.now();
  try {
    await sql.raw(`analyze (skip_locked) ${tables.join(', ')}`).execute(ctx.database.db);
    ctx.logger.debug({ importId, stage, tables, ms: Date.now() - started }, 'stage tables analyzed');
  } catch (err) {
    ctx.logger.warn({ importId, stage, err }, 'analyze after the stage failed; autovacuum will catch up');
  }
}
