// One measured run: its own database (copied from the register template) and queue prefix, the
// producer's context and relay, and the cleanup (workers stopped, database dropped unless --keep,
// the prefix's Redis keys deleted).
import type { AppContext } from '@ew/pipeline/context';
import type { Runtime } from '@ew/pipeline/runtime';
import type { FeedData } from './data.ts';
import { log } from './data.ts';
import {
  benchEnv,
  clearQueues,
  createRunDatabase,
  dropDatabase,
  ensureRegisterTemplate,
  openContext,
  type BenchEnv,
} from './db.ts';
import { startProducer, stopWorkers, type WorkerReport, type WorkerSet } from './pipeline.ts';

export interface Session {
  be: BenchEnv;
  ctx: AppContext;
  runtime: Runtime;
  registerLoadSeconds: number | null;
  workers: WorkerSet[];
  /** Stops the workers still running and returns their reports. */
  stopAll(): Promise<WorkerReport[]>;
  close(): Promise<void>;
}

/**
 * `setupSql` (the --setup-sql flag) runs on the run's database before anything else: for measuring a
 * proposed schema change (an index, a dropped trigger) without touching the product's migrations.
 */
export async function openSession(
  label: string,
  data: FeedData,
  keep: boolean,
  setupSql?: string,
): Promise<Session> {
  const template = await ensureRegisterTemplate(data.registerFile, data.persons, data.seed);
  const dbName = await createRunDatabase(template.name, label);
  const prefix = `bench-${label}-${Date.now().toString(36)}`;
  const be = benchEnv(dbName, prefix);
  const ctx = await openContext(be, 'ew-bench');
  const runtime = startProducer(ctx, be);
  if (setupSql) {
    log(`experiment: ${setupSql}`);
    await ctx.database.pool.query(setupSql);
  }
  await ctx.database.pool.query('checkpoint');
  const workers: WorkerSet[] = [];
  const stopAll = async () => {
    const reports = await Promise.all(workers.map(stopWorkers));
    workers.length = 0;
    return reports;
  };
  return {
    be,
    ctx,
    runtime,
    registerLoadSeconds: template.loadSeconds,
    workers,
    stopAll,
    close: async () => {
      await stopAll().catch(() => undefined);
      await runtime.close();
      await ctx.close();
      await clearQueues(prefix);
      if (keep) log(`kept database ${dbName} (DATABASE_URL=${be.env.DATABASE_URL})`);
      else await dropDatabase(dbName);
    },
  };
}
