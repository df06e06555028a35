// The bench's databases. Loading a 1,000,000-person register takes minutes, so it happens once per
// (persons, seed) into a TEMPLATE database `ew_bench_tpl_p<persons>_s<seed>` (migrated, register
// imported with the real `importRegister`, then VACUUM ANALYZE, as autovacuum would have left a
// long-lived register). Every bench run then gets its OWN database, `CREATE DATABASE … TEMPLATE`
// (a file copy: seconds), with its own QUEUE_PREFIX, and drops it at the end (`--keep` keeps it
// for EXPLAIN ANALYZE afterwards). So runs never see each other's imports, alerts or queues.
import { loadEnv, type Env } from '@ew/config';
import { ensureDatabase, migrateToLatest, openDatabase, type DatabaseHandle } from '@ew/db';
import { createRedis } from '@ew/queue';
import { createAppContext, type AppContext } from '@ew/pipeline/context';
import { importRegister } from '@ew/pipeline/register/register-import';
import { sha256File } from '@ew/pipeline/files';
import { databaseUrl, redisUrl, serverUrl, CACHE_DIR } from './env.ts';
import { log } from './data.ts';
import { join } from 'node:path';

export interface BenchEnv {
  /** Variables for the bench process and every worker it spawns. */
  vars: NodeJS.ProcessEnv;
  env: Env;
  dbName: string;
  prefix: string;
}

export function benchEnv(dbName: string, prefix: string): BenchEnv {
  const vars: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    FILE_STORE_DIR: join(CACHE_DIR, 'files'),
    // debug adds one line per match chunk: the matcher's step timings (idJoin, decide, write)
    LOG_LEVEL: 'debug',
    MIGRATE_ON_START: 'false',
    // unset: the deployed per-queue concurrency (queue catalogue); BENCH_WORKER_CONCURRENCY=N sets
    // one figure for every queue, as WORKER_CONCURRENCY does
    WORKER_CONCURRENCY: process.env['BENCH_WORKER_CONCURRENCY'],
  };
  return { vars, env: loadEnv(vars), dbName, prefix };
}

export async function openContext(be: BenchEnv, name: string): Promise<AppContext> {
  return createAppContext(loadEnv({ ...be.vars, LOG_LEVEL: 'warn' }), { name });
}

async function admin<T>(fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = openDatabase(databaseUrl('postgres'), { max: 1, applicationName: 'ew-bench-admin' });
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The template holding the loaded register; built on first use. Returns its name and, when it was
 * built now, the register load time. A finished template is closed to connections
 * (ALLOW_CONNECTIONS false) and carries the register file's sha256 as its comment.
 */
export async function ensureRegisterTemplate(
  registerFile: string,
  persons: number,
  seed: number,
): Promise<{ name: string; loadSeconds: number | null }> {
  const name = `ew_bench_tpl_p${persons}_s${seed}`;
  const sha = await sha256File(registerFile);
  const comment = await admin(async ({ pool }) => {
    const { rows } = await pool.query<{ c: string | null }>(
      `select shobj_description(oid, 'pg_database') as c from pg_database where datname = $1`,
      [name],
    );
    return rows.length === 0 ? undefined : rows[0]!.c;
  });
  if (comment === `register ${sha}`) return { name, loadSeconds: null };
  if (comment !== undefined) await dropDatabase(name);
  log(`building register template ${name} (one-off) …`);
  await ensureDatabase(databaseUrl(name));
  const be = benchEnv(name, 'bench-tpl');
  const ctx = await openContext(be, 'ew-bench-register');
  let loadSeconds: number;
  try {
    await migrateToLatest(ctx.database.db);
    const mapping = ctx.mappings.get('register');
    if (!mapping) throw new Error('no register mapping');
    const started = performance.now();
    const result = await importRegister(
      { database: ctx.database, mapping, allMappings: ctx.mappings, logger: ctx.logger },
      registerFile,
    );
    loadSeconds = (performance.now() - started) / 1000;
    if (result.outcome !== 'APPLIED')
      throw new Error(`register load: ${result.outcome} ${result.error?.message ?? ''}`);
    log(
      `register loaded: ${result.persons.toLocaleString()} persons in ${loadSeconds.toFixed(1)} s; vacuum analyze …`,
    );
    // The snapshot's follow-up job (re-match, register-income rules) is not part of what the bench
    // measures: mark it relayed so no run's relay sends it (bench workers do not consume it anyway).
    await ctx.database.pool.query(`update outbox set dispatched_at = now() where dispatched_at is null`);
    await ctx.database.pool.query('vacuum analyze');
  } finally {
    await ctx.close();
  }
  await admin(async ({ pool }) => {
    await pool.query(`alter database ${ident(name)} with allow_connections false`);
    await pool.query(`comment on database ${ident(name)} is 'register ${sha}'`);
  });
  return { name, loadSeconds };
}

/** A fresh database for one run, copied from the register template, migrated to the latest schema. */
export async function createRunDatabase(template: string, label: string): Promise<string> {
  const name = `ew_bench_${label}_${Date.now().toString(36)}_${process.pid}`;
  await admin(async ({ pool }) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await pool.query(`create database ${ident(name)} template ${ident(template)}`);
        await pool.query(`alter database ${ident(name)} with allow_connections true`);
        return;
      } catch (error) {
        // 55006: a connection to the template is still closing
        if ((error as { code?: string }).code !== '55006' || attempt >= 40) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
  const handle = openDatabase(databaseUrl(name), { max: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  if (!name.startsWith('ew_bench_')) throw new Error(`refusing to drop ${name}`);
  await admin(({ pool }) => pool.query(`drop database if exists ${ident(name)} with (force)`));
}

/** Deletes the run's BullMQ keys (its own prefix only). */
export async function clearQueues(prefix: string): Promise<void> {
  if (!prefix.startsWith('bench-')) throw new Error(`refusing to clear prefix ${prefix}`);
  const redis = createRedis(redisUrl(), 'worker');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export { serverUrl };
